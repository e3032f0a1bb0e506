-- @MARKER@: writes 8 MiB files until the disk is full; the disk quota must stop it.
local block = string.rep("x", 8 * 1024 * 1024)
for i = 1, 1000 do
  local f = assert(io.open("fill-" .. i .. ".bin", "wb"))
  assert(f:write(block))
  f:close()
end
