# @MARKER@: writes 8 MiB files until the disk is full; the disk quota must stop it.
block <- as.raw(rep(120L, 8 * 1024 * 1024))
for (i in 1:1000) writeBin(block, sprintf("fill-%d.bin", i))
