# @MARKER@: prints 100 MB; the output cap must stop it.
line <- strrep("x", 1024 * 1024 - 1)
for (i in 1:100) cat(line, "\n", sep = "")
