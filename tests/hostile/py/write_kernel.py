# @MARKER@: opens host kernel settings for writing (never writes to core_pattern); writes vm.swappiness.
def own_cgroup():
    try:
        for line in open("/proc/self/cgroup"):
            parts = line.rstrip("\n").split(":", 2)
            if len(parts) == 3 and parts[1] == "pids":
                return "/sys/fs/cgroup/pids" + parts[2].rstrip("/") + "/pids.max"
    except OSError:
        pass
    return "/sys/fs/cgroup/pids/pids.max"


for path in @KERNEL_PATHS@ + [own_cgroup()]:
    try:
        with open(path, "a") as f:
            print("OPENED", path)
            if path.endswith("/vm/swappiness"):
                f.write("@SWAPPINESS_NEW@\n")
    except OSError:
        print("DENIED", path)
