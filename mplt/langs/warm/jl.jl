# mplt warm worker for Julia (docs/warm.md). One request per stdin line: "NONCE DIR FILE".
# Each program is included into a fresh anonymous module, as the cold run includes it into Main,
# with the same two diagnostics-only replacements as the cold run command (mplt/langs/jl.py). An
# uncaught error prints "ERROR: " and the error, as julia does, and gives code 1. Julia cannot fork
# safely, so what a program changes outside its module (methods added to Base, ENV, redirected
# streams) stays: the harness replaces the worker after any program that may do that.
import Test; Test.scrub_backtrace(bt) = bt[1:0]; Base.show_backtrace(io::IO, t::Vector) = nothing
const clean_tmp = haskey(ENV, "MPLT_WARM_CLEAN_TMP")
const top = pwd()
const out = stdout
const err = stderr

function run_one(dir, file)
    code = 0
    try
        cd(dir)
        Base.include(Module(:Main), file)
    catch e
        if e isa InterruptException
            rethrow()
        end
        print(err, "ERROR: ")
        showerror(err, e)
        println(err)
        code = 1
    end
    flush(out)
    flush(err)
    cd(top)
    return code
end

println(out, "mplt-warm: ready")
flush(out)
while !eof(stdin)
    local parts = split(readline(stdin), ' ')
    local code = run_one(parts[2], parts[3])
    if clean_tmp
        for p in readdir("/tmp")   # the scratch directory itself may lie in /tmp: kept
            startswith(top * "/", joinpath("/tmp", p) * "/") || rm(joinpath("/tmp", p); force=true, recursive=true)
        end
    end
    print(out, "\nmplt-warm ", parts[1], " ", code, " ok\n")
    flush(out)
end
