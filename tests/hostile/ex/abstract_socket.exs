# @MARKER@: connects to an abstract unix socket the harness listens on.
{:ok, socket} = :gen_tcp.connect({:local, <<0>> <> "@ABSTRACT@"}, 0, [:binary, :local, active: false], 2000)
:ok = :gen_tcp.send(socket, "escaped @MARKER@")
:gen_tcp.close(socket)
