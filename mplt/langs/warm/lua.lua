-- mplt warm worker for Lua (docs/warm.md). One request per stdin line: "NONCE DIR FILE".
-- Each program runs as a chunk whose _ENV is a fresh copy of the globals, with fresh copies of the
-- standard library tables (the string metatable points at the program's copy while it runs) and
-- its own instances of the Lua modules it requires (luaunit is compiled once, instantiated per
-- program). os.exit ends the chunk with the exit code a fresh interpreter would have; an error
-- is printed as lua.c prints it ("PROGNAME: MESSAGE", with a traceback for a runtime error).
-- An os.exit that a pcall swallowed gives FLAG "exit": the harness re-runs the program cold.
local progname = arg[-1] or "lua"
local real_stdout, real_stderr = io.stdout, io.stderr
local LIBS = {"string", "table", "math", "os", "io", "coroutine", "utf8"}
local EXIT = {}
local string_meta = getmetatable("")
local pristine = {}
for k, v in pairs(_G) do pristine[k] = v end
local compiled = {}

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local function exit_status(code)
  if code == nil or code == true then return 0 end
  if code == false then return 1 end
  return (math.tointeger(code) or 0) & 255
end

local function make_require(env, loaded)
  return function(name)
    if loaded[name] ~= nil then return loaded[name] end
    local path = package.searchpath(name, package.path)
    if not path then return require(name) end   -- a C module: shared, as it has no Lua state
    if not compiled[path] then compiled[path] = string.dump(assert(loadfile(path))) end
    local value = assert(load(compiled[path], "@" .. path, "b", env))(name, path)
    if value == nil then value = true end
    loaded[name] = value
    return value
  end
end

local function run_one(file)
  local env = copy(pristine)
  local loaded = {_G = env}
  for _, name in ipairs(LIBS) do
    env[name] = copy(pristine[name])
    loaded[name] = env[name]
  end
  env._G = env
  env.require = make_require(env, loaded)
  env.arg = {[0] = file, [-1] = progname}
  env.io.read = function() return nil end
  local exited = false
  env.os.exit = function(code)
    exited = true
    error(setmetatable({code = code}, EXIT), 0)
  end
  string_meta.__index = env.string
  math.randomseed()   -- a fresh interpreter's seed is random too
  local code, flag = 0, "ok"
  local chunk, err = loadfile(file, "t", env)
  if not chunk then
    real_stderr:write(progname, ": ", err, "\n")
    code = 1
  else
    local ok, e = xpcall(chunk, function(m)
      if getmetatable(m) == EXIT then return m end
      if type(m) ~= "string" then
        local mt = getmetatable(m)
        m = (mt and mt.__tostring) and tostring(m) or string.format("(error object is a %s value)", type(m))
      end
      return debug.traceback(m, 2)
    end)
    if not ok and getmetatable(e) == EXIT then
      code = exit_status(e.code)
    elseif not ok then
      real_stderr:write(progname, ": ", tostring(e), "\n")
      code = 1
    elseif exited then
      flag = "exit"
    end
  end
  real_stdout:flush()
  real_stderr:flush()
  string_meta.__index = pristine.string
  io.output(real_stdout)
  collectgarbage()
  return code, flag
end

real_stdout:write("mplt-warm: ready\n")
real_stdout:flush()
for line in io.lines() do
  local nonce, _, file = line:match("^(%S+) (%S+) (%S+)$")
  local code, flag = run_one(file)
  real_stdout:write("\nmplt-warm ", nonce, " ", code, " ", flag, "\n")
  real_stdout:flush()
end
