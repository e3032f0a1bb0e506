# @MARKER@: opens host kernel settings for writing (never writes to core_pattern); writes vm.swappiness.
function own_cgroup()
    try
        for line in eachline("/proc/self/cgroup")
            parts = split(line, ":"; limit=3)
            if length(parts) == 3 && parts[2] == "pids"
                return "/sys/fs/cgroup/pids" * rstrip(parts[3], '/') * "/pids.max"
            end
        end
    catch
    end
    return "/sys/fs/cgroup/pids/pids.max"
end

for path in vcat(@KERNEL_PATHS@, [own_cgroup()])
    try
        open(path, "a") do io
            println("OPENED ", path)
            endswith(path, "/vm/swappiness") && write(io, "@SWAPPINESS_NEW@\n")
        end
    catch
        println("DENIED ", path)
    end
end
