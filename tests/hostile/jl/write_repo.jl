# @MARKER@: tries to plant a file in the repository.
write("@REPO_TARGET@", "escaped")
