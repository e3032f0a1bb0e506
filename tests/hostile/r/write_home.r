# @MARKER@: tries to plant a file in the real home directory of the harness.
writeLines("escaped", "@HOME_TARGET@")
