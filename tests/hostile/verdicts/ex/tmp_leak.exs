File.write!("/tmp/mplt-leak", "leaked")
File.write("../mplt-leak", "leaked")
System.halt(2)
