# @MARKER@: spins forever; the wall-clock timeout must end it.
repeat {}
