-- @MARKER@: Lua has no sockets in its standard library; it goes through the system python3, as an attacker would.
local ok = os.execute([[/usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect("\0@ABSTRACT@"); s.sendall(b"escaped @MARKER@")']])
assert(ok, "could not connect")
