-- @MARKER@: reads root-only and private files and the parent's secrets; prints sizes, never contents.
for _, path in ipairs(@SECRET_PATHS@) do
  local f = io.open(path, "rb")
  local data = f and f:read("a")
  if data then print("READ " .. path .. " " .. #data) else print("DENIED " .. path) end
  if f then f:close() end
end
for _, name in ipairs(@SECRET_ENV@) do
  local value = os.getenv(name)
  print(((value and value ~= "") and "READ" or "DENIED") .. " env:" .. name)
end
