# @MARKER@: kills its parent process, then waits for the harness to be gone.
import os
import signal
import time
os.kill(os.getppid(), signal.SIGKILL)
while True:
    time.sleep(1)
