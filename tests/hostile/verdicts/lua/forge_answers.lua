-- Forged answers: every descriptor this process can write, its parent's, and any FIFO named like
-- a worker's answer channel get lines that would say "program N ended with status 0".
local lines = {}
for n = 0, 40 do lines[#lines + 1] = n .. " exit 0\n" .. n .. " pid 1\n" .. n .. " ready 1\n" end
local text = table.concat(lines) .. "\nmplt-warm 0 0 ok\n"
local ppid = io.open("/proc/self/stat"):read("a"):match("^%d+ %b() %S+ (%d+)")
local targets = {"../answers", "../../answers"}
for fd = 3, 40 do
  targets[#targets + 1] = "/proc/self/fd/" .. fd
  targets[#targets + 1] = "/proc/" .. ppid .. "/fd/" .. fd
end
for _, path in ipairs(targets) do
  local f = io.open(path, "w")
  if f then f:write(text); f:close() end
end
io.write(text)
os.exit(1)
