# @MARKER@: prints 100 MB; the output cap must stop it.
line = "x" ^ (1024 * 1024 - 1)
for i in 1:100
    println(line)
end
