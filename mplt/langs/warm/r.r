# mplt warm worker for R (docs/warm.md). One request per stdin line: "NONCE DIR FILE".
# Each program is parsed here, then evaluated in a forked child (parallel::mcparallel) that the
# worker never sees the state of: the child evaluates the top-level expressions in order, as
# Rscript does, printing visible values and, on an error, R's own "Error in CALL : MESSAGE" line.
# A file that does not parse gets FLAG "cold" (Rscript runs the expressions before a late syntax
# error; only a cold run reproduces that), a child that died (quit, a crash) FLAG "died".
local({
  input <- file("stdin", "r")
  clean_tmp <- nzchar(Sys.getenv("MPLT_WARM_CLEAN_TMP"))
  top <- getwd()
  run_child <- function(exprs, dir) {
    setwd(dir)
    tryCatch({
      for (e in exprs) {
        v <- withVisible(eval(e, envir = globalenv()))
        if (v$visible) print(v$value)
      }
      0L
    }, error = function(c) {
      call <- conditionCall(c)
      where <- if (is.null(call)) "Error: " else paste0("Error in ", deparse(call)[1], " : ")
      cat(where, conditionMessage(c), "\n", sep = "", file = stderr())
      1L
    })
  }
  cat("mplt-warm: ready\n")
  flush(stdout())
  repeat {
    line <- readLines(input, n = 1)
    if (length(line) == 0) break
    parts <- strsplit(line, " ", fixed = TRUE)[[1]]
    exprs <- tryCatch(parse(parts[3], keep.source = FALSE), error = function(e) NULL)
    code <- 0L
    flag <- "ok"
    if (is.null(exprs)) {
      flag <- "cold"
    } else {
      job <- parallel::mcparallel(run_child(exprs, parts[2]), mc.set.seed = TRUE, silent = FALSE)
      got <- suppressWarnings(parallel::mccollect(job, wait = TRUE))
      value <- if (is.null(got)) NULL else got[[1]]
      if (is.integer(value) && length(value) == 1) code <- value else flag <- "died"
    }
    setwd(top)
    if (clean_tmp) {   # the scratch directory itself may lie in /tmp: kept
      left <- list.files("/tmp", all.files = TRUE, full.names = TRUE, no.. = TRUE)
      unlink(left[!startsWith(paste0(top, "/"), paste0(left, "/"))], recursive = TRUE)
    }
    invisible(tempdir(check = TRUE))
    cat("\nmplt-warm ", parts[1], " ", code, " ", flag, "\n", sep = "")
    flush(stdout())
  }
})
