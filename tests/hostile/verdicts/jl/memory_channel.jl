# Writes through every /proc/*/mem descriptor it holds (Julia's compiler keeps one open) at the
# address of a function of its own: in a child that kept the worker's descriptor, this would write
# into the worker.
f() = 1
ptr = @cfunction(f, Int, ())
for name in readdir("/proc/self/fd")
    link = try readlink("/proc/self/fd/$name") catch; "" end
    if endswith(link, "/mem")
        junk = fill(0xcc, 64)
        ccall(:pwrite, Cssize_t, (Cint, Ptr{UInt8}, Csize_t, Int), parse(Cint, name), junk, 64, Int(ptr))
    end
end
exit(1)
