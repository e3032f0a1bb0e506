# @MARKER@: a double-forked daemon in its own session (setsid, nohup) that outlives the program.
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("nohup", ["nohup", "sh", "-c", "while :; do sleep 1; done # @MARKER@"])
    os._exit(0)
os.wait()
