# @MARKER@: tries to plant a file in the real home directory of the harness.
write("@HOME_TARGET@", "escaped")
