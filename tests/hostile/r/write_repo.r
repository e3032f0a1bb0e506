# @MARKER@: tries to plant a file in the repository.
writeLines("escaped", "@REPO_TARGET@")
