-- Shared-module mutation: luaunit's assertions, the string library, the string metatable, the
-- module cache and the metatable of nil, as a worker that ran programs in one interpreter shared
-- them (issue: "the real library tables are reachable").
local lu = require("luaunit")
for _, name in ipairs({"assertEquals", "assertNotEquals", "assertTrue", "assertNil"}) do lu[name] = function() end end
lu.LuaUnit.run = function() return 0 end
package.loaded.luaunit = lu
local s = package.loaded.string
s.upper = function(x) return x end
getmetatable("").__index = {upper = function() return "AB" end}
_G["de" .. "bug"].setmetatable(nil, {__index = function() return 0 end})
os.exit(3)
