# @MARKER@: kills its parent process, then waits for the harness to be gone.
[_, after_name] = String.split(File.read!("/proc/self/stat"), ") ", parts: 2)
[_state, ppid | _] = String.split(after_name, " ")
System.cmd("kill", ["-9", ppid])

defmodule Spin do
  def loop(n), do: loop(n + 1)
end

Spin.loop(0)
