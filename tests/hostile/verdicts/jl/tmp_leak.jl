write("/tmp/mplt-leak", "leaked")
try write("../mplt-leak", "leaked") catch end
exit(2)
