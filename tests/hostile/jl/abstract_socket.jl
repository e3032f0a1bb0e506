# @MARKER@: Julia 1.5's sockets cannot name an abstract unix socket; it goes through the system python3, as an attacker would.
run(`/usr/bin/python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('\0@ABSTRACT@'); s.sendall(b'escaped @MARKER@')"`)
