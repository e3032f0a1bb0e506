-- @MARKER@: prints 100 MB; the output cap must stop it.
local line = string.rep("x", 1024 * 1024 - 1)
for _ = 1, 100 do
  print(line)
end
