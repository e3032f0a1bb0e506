# @MARKER@: reads root-only and private files and the parent's secrets; prints sizes, never contents.
for path <- @SECRET_PATHS@ do
  case File.read(path) do
    {:ok, data} -> IO.puts("READ #{path} #{byte_size(data)}")
    {:error, _} -> IO.puts("DENIED " <> path)
  end
end

for name <- @SECRET_ENV@ do
  value = System.get_env(name)
  IO.puts(if(value not in [nil, ""], do: "READ", else: "DENIED") <> " env:" <> name)
end
