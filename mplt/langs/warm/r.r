# mplt warm worker for R (docs/warm.md). Arguments: ANSWER_FD TMPDIR. One request per stdin line,
# "ID DIR FILE OUT ERR GO": the file is parsed here, then the worker forks (parallel's mcfork,
# estranged: no result pipe), answers "ID pid PID hold" on ANSWER_FD and never reports a verdict:
# the harness reads the child's exit status from the kernel. parallel reaps children on SIGCHLD,
# so "hold" asks the harness to stop the worker while the program runs; the child waits for a byte
# on the FIFO GO, sent once the worker has stopped. The child drops the worker's descriptors, takes
# /dev/null as stdin and the FIFOs OUT and ERR as stdout and stderr, and evaluates the top-level
# expressions in order as Rscript does, printing visible values and, on an error, R's own
# "Error in CALL : MESSAGE" line, and quits as Rscript does, with status 1 after an error. A file that does not parse is answered "ID cold"
# (Rscript runs the expressions before a late syntax error; only a cold run reproduces that).
local({
  args <- commandArgs(trailingOnly = TRUE)
  answer_fd <- as.integer(args[1])
  Sys.setenv(TMPDIR = args[2])
  input <- file("stdin", "r")
  answer <- function(text) {
    con <- file(sprintf("/dev/fd/%d", answer_fd), "w", raw = TRUE)
    cat(text, "\n", sep = "", file = con)
    close(con)
  }
  run_child <- function(exprs, dir, out, err, go) {
    # Every descriptor the worker holds (its script, the answer pipe, the requests) is closed;
    # 0, 1 and 2 are then reopened, lowest first.
    parallel:::closeFD(as.integer(list.files("/proc/self/fd")))
    keep <- list(file("/dev/null", "r"), file(out, "w", raw = TRUE), file(err, "w", raw = TRUE))
    wait <- file(go, "rb", raw = TRUE)
    invisible(readBin(wait, "raw", 1L))
    close(wait)
    setwd(dir)
    invisible(tempdir(check = TRUE))   # the harness empties /tmp between programs
    if (exists(".Random.seed", envir = globalenv())) rm(".Random.seed", envir = globalenv())
    code <- tryCatch({
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
    # R's own exit, as Rscript ends: .Last, finalizers run on exit, flushed output.
    quit(save = "no", status = code)
  }
  answer(paste("0 ready", Sys.getpid()))
  repeat {
    line <- readLines(input, n = 1)
    if (length(line) == 0) break
    parts <- strsplit(line, " ", fixed = TRUE)[[1]]
    invisible(parallel:::selectChildren(timeout = 0))   # reaps the previous program
    exprs <- tryCatch(parse(parts[3], keep.source = FALSE), error = function(e) NULL)
    if (is.null(exprs)) {
      answer(paste(parts[1], "cold"))
      next
    }
    flush(stdout())
    flush(stderr())
    child <- parallel:::mcfork(estranged = TRUE)
    if (inherits(child, "masterProcess")) run_child(exprs, parts[2], parts[4], parts[5], parts[6])
    answer(paste(parts[1], "pid", child$pid, "hold"))
  }
})
