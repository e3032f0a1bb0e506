# @MARKER@: writes 8 MiB files until the disk is full; the disk quota must stop it.
block = :binary.copy("x", 8 * 1024 * 1024)
for i <- 0..999, do: File.write!("fill-#{i}.bin", block)
