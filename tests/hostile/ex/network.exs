# @MARKER@: connects to a port the harness listens on.
{:ok, socket} = :gen_tcp.connect({127, 0, 0, 1}, @PORT@, [:binary, active: false], 2000)
:ok = :gen_tcp.send(socket, "escaped @MARKER@")
:gen_tcp.close(socket)
