-- @MARKER@: grows a string table to gigabytes; RLIMIT_AS must stop it.
local hog = {}
local chunk = string.rep("x", 16 * 1024 * 1024)
for i = 1, 512 do
  hog[i] = chunk .. tostring(i)
end
print(#hog)
