-- @MARKER@: tries to plant a file in the real home directory of the harness.
local f = assert(io.open("@HOME_TARGET@", "w"))
f:write("escaped")
f:close()
