# @MARKER@: tries to plant a file in the repository.
with open("@REPO_TARGET@", "w") as f:
    f.write("escaped")
