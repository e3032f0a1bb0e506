-- @MARKER@: Lua has no sockets in its standard library; it uses a shell, as an attacker would.
local ok = os.execute("bash -c 'echo escaped >/dev/tcp/127.0.0.1/@PORT@' # @MARKER@")
assert(ok, "could not connect")
