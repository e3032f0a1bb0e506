# @MARKER@: prints 100 MB; the output cap must stop it.
line = String.duplicate("x", 1024 * 1024 - 1) <> "\n"
for _ <- 1..100, do: IO.write(line)
