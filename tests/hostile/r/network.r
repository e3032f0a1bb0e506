# @MARKER@: connects to a port the harness listens on.
con <- socketConnection("127.0.0.1", port = @PORT@, blocking = TRUE, open = "w", timeout = 2)
writeLines("escaped @MARKER@", con)
close(con)
