# @MARKER@: a double-forked daemon in its own session (setsid, nohup) that outlives the program.
:os.cmd(String.to_charlist("(setsid nohup sh -c 'while :; do sleep 1; done # @MARKER@' </dev/null >/dev/null 2>&1 &) &"))
