# @MARKER@: grabs 8 GiB in 64 MiB pieces; RLIMIT_AS must stop it.
hog = Enum.reduce(1..128, [], fn i, acc -> [:binary.copy(<<rem(i, 256)>>, 64 * 1024 * 1024) | acc] end)
IO.puts("allocated #{length(hog)}")
