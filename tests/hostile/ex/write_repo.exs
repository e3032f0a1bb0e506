# @MARKER@: tries to plant a file in the repository.
File.write!("@REPO_TARGET@", "escaped")
