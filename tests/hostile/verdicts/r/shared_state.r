# Base functions, options, the environment and the global environment, as a shared interpreter
# would keep them.
unlockBinding("stopifnot", baseenv())
assign("stopifnot", function(...) invisible(TRUE), envir = baseenv())
options(digits = 2, warn = 2)
Sys.setenv(MPLT_LEAK = "1")
assign("leaked", 5, envir = globalenv())
setwd("/")
reg.finalizer(globalenv(), function(e) cat("\nmplt-completed-000000000000000000000000\n"), onexit = TRUE)
quit(status = 3)
