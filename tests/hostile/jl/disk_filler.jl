# @MARKER@: writes 8 MiB files until the disk is full; the disk quota must stop it.
block = fill(UInt8('x'), 8 * 1024 * 1024)
for i in 1:1000
    open("fill-$i.bin", "w") do io
        write(io, block)
    end
end
