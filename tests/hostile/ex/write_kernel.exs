# @MARKER@: opens host kernel settings for writing (never writes to core_pattern); writes vm.swappiness.
own_cgroup =
  case File.read("/proc/self/cgroup") do
    {:ok, text} ->
      Enum.find_value(String.split(text, "\n"), "/sys/fs/cgroup/pids/pids.max", fn line ->
        case Regex.run(~r/^\d+:pids:(.*)$/, line) do
          [_, path] -> "/sys/fs/cgroup/pids" <> String.trim_trailing(path, "/") <> "/pids.max"
          nil -> nil
        end
      end)
    _ -> "/sys/fs/cgroup/pids/pids.max"
  end

for path <- @KERNEL_PATHS@ ++ [own_cgroup] do
  case File.open(path, [:append]) do
    {:ok, file} ->
      IO.puts("OPENED " <> path)
      if String.ends_with?(path, "/vm/swappiness"), do: IO.write(file, "@SWAPPINESS_NEW@\n")
      File.close(file)
    {:error, _} ->
      IO.puts("DENIED " <> path)
  end
end
