# mplt warm worker for Julia (docs/warm.md). Arguments: ANSWER_FD TMPDIR. The worker loads Test
# with the cold run's two diagnostics-only replacements (mplt/langs/jl.py), runs a warm-up program
# of its own so that Test's machinery is compiled once, makes itself non-dumpable, and then serves
# one request per stdin line, "ID DIR FILE OUT ERR GO" (GO unused): it forks, answers "ID pid PID"
# on ANSWER_FD and never reports a verdict (the harness reads the child's exit status from the
# kernel). The child first gives itself private copies of every kernel object it shares with the
# worker (`private_descriptors`): among them the /proc/PID/mem descriptor through which Julia's
# compiler writes code, which would otherwise write into the worker, and libuv's poll set and
# pipes. It then takes /dev/null as stdin and the FIFOs OUT and ERR as stdout and stderr, includes
# FILE into Main as `julia FILE` does, and exits through Julia's exit: 0, or 1 after an uncaught
# error printed as julia prints it, or what the program gives `exit`; 121 when its set-up failed.
module MpltWarm

import Test
Test.scrub_backtrace(bt) = bt[1:0]
Base.show_backtrace(io::IO, t::Vector) = nothing

const ANSWER_FD = parse(Cint, ARGS[1])
ENV["TMPDIR"] = ARGS[2]
const SETUP_FAILED = 121
const O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK, O_CLOEXEC, O_SYNC = 0, 1, 2, 0o4000, 0o2000000, 0o4010000
const F_GETFD, F_GETFL, F_SETFL, FIONREAD, WNOHANG, PR_SET_DUMPABLE = 1, 3, 4, 0x541B, 1, 4

answer(text) = (line = Vector{UInt8}(text * "\n"); ccall(:write, Cssize_t, (Cint, Ptr{UInt8}, Csize_t), ANSWER_FD, line, length(line)))
@inline function c_open(path, flags)
    fd = ccall(:open, Cint, (Cstring, Cint), path, flags)
    fd < 0 && error("cannot open $path")
    return fd
end
@inline c_close(fd) = ccall(:close, Cint, (Cint,), fd)
@inline fcntl(fd, cmd, arg=0) = ccall(:fcntl, Cint, (Cint, Cint, Cint), fd, cmd, arg)
@inline target(fd) = try readlink("/proc/self/fd/$fd") catch; "" end

@inline function adopt!(old, new)
    # `new`'s open file takes the number `old`, with old's close-on-exec flag and status flags.
    # Any failure fails the child's set-up (a dry run's descriptor -1 fails on purpose).
    cloexec = fcntl(old, F_GETFD) & 1 != 0 ? O_CLOEXEC : 0
    fcntl(new, F_SETFL, fcntl(old, F_GETFL))
    if ccall(:dup3, Cint, (Cint, Cint, Cint), new, old, cloexec) < 0 && old >= 0
        error("descriptor $old: dup3 failed")
    end
end

@inline replace!(old, new) = (adopt!(old, new); c_close(new))

# Until this function has replaced the /proc/PID/mem descriptor, the child must run no code the
# compiler has not compiled yet: the compiler would write it into the worker's memory. The worker
# therefore runs it once with `dry` set, which takes every branch it takes in a child but gives
# each change to descriptor -1 (an error, no effect), so that all of it is compiled in the worker.
function private_descriptors(parent::Integer, out::AbstractString, err::AbstractString, dry::Bool)
    at(fd) = dry ? Cint(-1) : Cint(fd)
    # Julia writes its stdout and stderr through duplicates of descriptors 1 and 2 (libuv's), which
    # take the FIFOs too.
    outputs = Dict(target(1) => c_open(dry ? "/dev/null" : out, O_WRONLY),
                   target(2) => c_open(dry ? "/dev/null" : err, O_WRONLY))
    pipes = Dict{String, Vector{Int}}()
    polls = Int[]
    for name in readdir("/proc/self/fd")
        fd = parse(Int, name)
        link = target(fd)
        if fd in values(outputs)
        elseif fd == 0
            replace!(at(0), c_open("/dev/null", O_RDONLY))
        elseif haskey(outputs, link)
            adopt!(at(fd), outputs[link])
        elseif link == "/dev/null"
        elseif link == "/proc/$parent/mem"
            # The worker is not dumpable, so neither is its child, whose /proc files are then
            # root's: the child becomes dumpable (its split group still keeps it out of reach).
            dry || ccall(:prctl, Cint, (Cint, Culong, Culong, Culong, Culong), PR_SET_DUMPABLE, 1, 0, 0, 0)
            mem = c_open("/proc/self/mem", O_RDWR | O_SYNC | O_CLOEXEC)
            # At the old descriptor's offset, so that a program writing through it (into its own
            # memory now) lands where it would in a fresh process that had compiled the same code.
            ccall(:lseek, Int64, (Cint, Int64, Cint), mem, ccall(:lseek, Int64, (Cint, Int64, Cint), fd, 0, 1), 0)
            replace!(at(fd), mem)
        elseif link == "anon_inode:[eventpoll]"
            push!(polls, fd)
        elseif link == "anon_inode:[eventfd]"
            replace!(at(fd), ccall(:eventfd, Cint, (Cuint, Cint), 0, O_CLOEXEC))
        elseif startswith(link, "pipe:") && fd != ANSWER_FD
            push!(get!(pipes, link, Int[]), fd)
        elseif startswith(link, "/dev/") && fd != ANSWER_FD
            # A device such as /dev/urandom (Julia's RandomDevice) keeps a descriptor of its own.
            replace!(at(fd), c_open(link, fcntl(fd, F_GETFL) & 3))
        else
            c_close(at(fd))
        end
    end
    foreach(c_close, values(outputs))
    # A pipe keeps the bytes it held (libuv's signal lock is a byte in a pipe), as a count.
    for ends in values(pipes)
        fresh = zeros(Cint, 2)
        ccall(:pipe2, Cint, (Ptr{Cint}, Cint), fresh, O_CLOEXEC)
        for fd in ends
            if fcntl(fd, F_GETFL) & 3 == O_RDONLY
                pending = Ref{Cint}(0)
                ccall(:ioctl, Cint, (Cint, Culong, Ptr{Cint}), fd, FIONREAD, pending)
                pending[] > 0 && ccall(:write, Cssize_t, (Cint, Ptr{UInt8}, Csize_t), fresh[2], fill(0x2a, pending[]), pending[])
                adopt!(at(fd), fresh[1])
            else
                adopt!(at(fd), fresh[2])
            end
        end
        c_close(fresh[1])
        c_close(fresh[2])
    end
    # libuv's poll set, last: a copy watching the same descriptor numbers (now the child's own
    # objects) for the same events, as libuv's uv_loop_fork would make it.
    for fd in polls
        replace!(at(fd), poll_copy(fd))
    end
end

@inline function poll_copy(fd)
    fresh = ccall(:epoll_create1, Cint, (Cint,), O_CLOEXEC)
    fresh < 0 && error("epoll_create1 failed")
    # struct epoll_event: 32-bit events, 64-bit data; packed (12 bytes) on x86_64.
    at_data = Sys.ARCH === :x86_64 ? 4 : 8
    for m in eachmatch(r"tfd:\s*(\d+)\s+events:\s*([0-9a-f]+)\s+data:\s*([0-9a-f]+)", read("/proc/self/fdinfo/$fd", String))
        event = zeros(UInt8, at_data + 8)
        unsafe_store!(Ptr{UInt32}(pointer(event)), parse(UInt32, m[2]; base=16))
        unsafe_store!(Ptr{UInt64}(pointer(event) + at_data), parse(UInt64, m[3]; base=16))
        GC.@preserve event ccall(:epoll_ctl, Cint, (Cint, Cint, Cint, Ptr{UInt8}), fresh, 1, parse(Cint, m[1]), event)
    end
    return fresh
end

function run_program(dir, file)
    try
        cd(dir)
        Base.include(Main, file)
        return 0
    catch e
        print(stderr, "ERROR: ")
        showerror(stderr, e)
        println(stderr)
        return 1
    end
end

# Warm-up: a passing and a failing @testset, an uncaught error and printing, in throw-away modules
# of the worker itself. Its output goes to the worker's own stdout and stderr (they belong to no
# program).
# The values cover the types of MultiPL-E's Julia tests (docs/conventions.md, section 3.5), so that
# `==`, `isequal` and `@test` are compiled for them in the worker rather than in every child.
const WARM_UP_VALUES = "(1, 1.5, \"ab\", true, nothing, [1, 2], [1.5, 2.5], [\"a\", \"b\"], [[1], [2, 3]], " *
                       "(1, 2), (1.5, \"a\"), Dict(\"a\" => 1), Dict{String, Int64}(), Int64[], String[], 'c', [true])"

function warm_up()
    typed = "using Test\nvalues = $WARM_UP_VALUES\nf(x) = x\n@testset begin\n" *
            join(["@test(f(values[$i]) == values[$i])\n@test(isequal((values[$i], 1), (f(values[$i]), 1)))\n" for i in 1:17]) *
            "end\n"
    for source in (typed,
                   "using Test\nf(x) = 2x\n@testset begin\n@test f(2) == 4\n@test f([1, 2]) == [2, 4]\nend\nprintln((1, \"x\", 1.5, [1]))\n",
                   "using Test\nf(x) = 2x\n@testset begin\n@test f(2) == 5\n@test f(\"x\") == 1\n@test f([1.5]) == [2.5]\nend\n",
                   "error(\"warm-up\")\n")
        try
            Base.include_string(Module(), source)
        catch e
            print(stderr, "ERROR: ")
            showerror(stderr, e)
            println(stderr)
        end
    end
    flush(stdout)
    flush(stderr)
end

const pending = UInt8[]

function request()
    # Requests are read with read(2), not libuv: the worker keeps no libuv watcher that a child
    # would inherit. (libuv made descriptor 0 non-blocking; `serve` makes it blocking again.)
    chunk = Vector{UInt8}(undef, 4096)
    while true
        at = findfirst(==(UInt8('\n')), pending)
        at === nothing || return String(splice!(pending, 1:at)[1:end-1])
        n = ccall(:read, Cssize_t, (Cint, Ptr{UInt8}, Csize_t), 0, chunk, length(chunk))
        n < 0 && Libc.errno() == Libc.EINTR && continue   # a child's SIGCHLD
        n <= 0 && return nothing
        append!(pending, view(chunk, 1:n))
    end
end

function serve()
    warm_up()
    parent = getpid()
    private_descriptors(parent, SubString("out"), SubString("err"), true)
    GC.gc()
    ccall(:prctl, Cint, (Cint, Culong, Culong, Culong, Culong), PR_SET_DUMPABLE, 0, 0, 0, 0)
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) & ~O_NONBLOCK)
    answer("0 ready $parent")
    while (line = request()) !== nothing
        parts = split(line, ' ')
        length(parts) == 6 || continue
        while ccall(:waitpid, Cint, (Cint, Ptr{Cvoid}, Cint), -1, C_NULL, WNOHANG) > 0 end
        flush(stdout)
        flush(stderr)
        pid = ccall(:fork, Cint, ())
        if pid == 0
            code = try
                private_descriptors(parent, parts[4], parts[5], false)
                empty!(ARGS)
                SETUP_FAILED - 121   # 0: set up
            catch
                SETUP_FAILED
            end
            code == SETUP_FAILED && ccall(:_exit, Cvoid, (Cint,), code)
            # Julia's own exit, as `julia FILE` ends: atexit hooks, finalizers, flushed streams.
            exit(run_program(parts[2], parts[3]))
        end
        answer("$(parts[1]) pid $pid")
    end
end

end

MpltWarm.serve()
