# Reaching the worker through the kernel: ptrace, its memory, process_vm_writev, then signals.
ppid = ccall(:getppid, Cint, ())
println("attach ", ccall(:ptrace, Clong, (Clong, Cint, Ptr{Cvoid}, Ptr{Cvoid}), 16, ppid, C_NULL, C_NULL))
fd = ccall(:open, Cint, (Cstring, Cint), "/proc/$ppid/mem", 2)
println("mem ", fd)
buf = UInt8[0x90]
iov = [Int(pointer(buf)), 1]
println("vm ", ccall(:process_vm_writev, Cssize_t, (Cint, Ptr{Int}, Culong, Ptr{Int}, Culong, Culong), ppid, iov, 1, iov, 1, 0))
ccall(:kill, Cint, (Cint, Cint), ppid, 19)
ccall(:kill, Cint, (Cint, Cint), ppid, 18)
exit(2)
