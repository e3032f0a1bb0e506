writeLines("leaked", "/tmp/mplt-leak")
try(writeLines("leaked", "../mplt-leak"), silent = TRUE)
writeLines("leaked", file.path(tempdir(), "mplt-leak"))
quit(status = 2)
