# @MARKER@: connects to a port the harness listens on.
using Sockets
s = connect(ip"127.0.0.1", @PORT@)
write(s, "escaped @MARKER@")
close(s)
