os.exit("0 failures")
