# @MARKER@: prints 100 MB; the output cap must stop it.
import sys
line = "x" * (1024 * 1024 - 1) + "\n"
for _ in range(100):
    sys.stdout.write(line)
