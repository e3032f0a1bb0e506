-- Reads its own source for the completion line and prints it, then exits 0 without running its
-- tests: this forges OK in warm and cold alike (docs/sandbox.md, "What a verdict rests on").
local source = io.open(arg[0]):read("a")
io.write("\n" .. source:match("mplt%-completed%-%x+") .. "\n")
os.exit(0)
lu = require('luaunit')
function test_never() lu.assertEquals(1, 2) end
os.exit(lu.LuaUnit.run())
