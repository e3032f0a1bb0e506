# @MARKER@: tries to plant a file in the real home directory of the harness.
with open("@HOME_TARGET@", "w") as f:
    f.write("escaped")
