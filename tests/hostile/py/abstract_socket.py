# @MARKER@: connects to an abstract unix socket the harness listens on.
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\0@ABSTRACT@")
s.sendall(b"escaped @MARKER@")
s.close()
