-- @MARKER@: tries to plant a file in the repository.
local f = assert(io.open("@REPO_TARGET@", "w"))
f:write("escaped")
f:close()
