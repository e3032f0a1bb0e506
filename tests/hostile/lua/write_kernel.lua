-- @MARKER@: opens host kernel settings for writing (never writes to core_pattern); writes vm.swappiness.
local function own_cgroup()
  local f = io.open("/proc/self/cgroup")
  if f then
    for line in f:lines() do
      local path = line:match("^%d+:pids:(.*)$")
      if path then
        f:close()
        return "/sys/fs/cgroup/pids" .. (path:gsub("/$", "")) .. "/pids.max"
      end
    end
    f:close()
  end
  return "/sys/fs/cgroup/pids/pids.max"
end

local paths = @KERNEL_PATHS@
table.insert(paths, own_cgroup())
for _, path in ipairs(paths) do
  local f = io.open(path, "a")
  if f then
    print("OPENED " .. path)
    if path:match("/vm/swappiness$") then f:write("@SWAPPINESS_NEW@\n") end
    f:close()
  else
    print("DENIED " .. path)
  end
end
