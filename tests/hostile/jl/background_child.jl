# @MARKER@: leaves a detached child that outlives the program.
run(pipeline(`setsid sh -c "while :; do sleep 1; done # @MARKER@"`, stdin=devnull, stdout=devnull, stderr=devnull), wait=false)
