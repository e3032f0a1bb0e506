# @MARKER@: R cannot open unix sockets; it goes through the system python3, as an attacker would.
rc <- system("/usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect(\"\\0@ABSTRACT@\"); s.sendall(b\"escaped @MARKER@\")'")
stopifnot(rc == 0)
