# @MARKER@: leaves a detached child that outlives the program.
import subprocess
subprocess.Popen(["setsid", "sh", "-c", "while :; do sleep 1; done # @MARKER@"],
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
