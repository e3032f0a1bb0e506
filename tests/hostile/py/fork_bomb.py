# @MARKER@: every process forks forever; the pids cgroup (or RLIMIT_NPROC) must contain it.
import os
while True:
    os.fork()
