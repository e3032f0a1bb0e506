-- Exit values a warm worker once turned into status 0.
os.exit(0.5)
