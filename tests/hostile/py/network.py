# @MARKER@: connects to a port the harness listens on.
import socket
s = socket.create_connection(("127.0.0.1", @PORT@), timeout=2)
s.sendall(b"escaped @MARKER@")
s.close()
