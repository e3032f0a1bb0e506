-- @MARKER@: kills its parent process, then waits for the harness to be gone.
local stat = assert(io.open("/proc/self/stat")):read("a")
local ppid = stat:match("^%d+ %b() %S+ (%d+)")
os.execute("kill -9 " .. ppid)
while true do end
