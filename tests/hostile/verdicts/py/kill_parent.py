import os, signal
ppid = os.getppid()
os.kill(ppid, signal.SIGSTOP)
os.kill(ppid, signal.SIGCONT)
os.kill(ppid, signal.SIGKILL)
raise SystemExit(1)
