open("/tmp/mplt-leak", "w").write("leaked")
try:
    open("../mplt-leak", "w").write("leaked")
except OSError:
    pass
raise SystemExit(2)
