-- State left for the next program: a file in /tmp and one in the working directory's parent.
local f = assert(io.open("/tmp/mplt-leak", "w")); f:write("leaked"); f:close()
local g = io.open("../mplt-leak", "w"); if g then g:write("leaked"); g:close() end
os.exit(2)
