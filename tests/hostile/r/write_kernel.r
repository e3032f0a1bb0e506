# @MARKER@: opens host kernel settings for writing (never writes to core_pattern); writes vm.swappiness.
own_cgroup <- function() {
  lines <- tryCatch(readLines("/proc/self/cgroup"), error = function(e) character(0),
                    warning = function(w) character(0))
  for (line in lines) {
    parts <- strsplit(line, ":", fixed = TRUE)[[1]]
    if (length(parts) >= 3 && parts[2] == "pids") {
      return(paste0("/sys/fs/cgroup/pids", sub("/$", "", paste(parts[-(1:2)], collapse = ":")), "/pids.max"))
    }
  }
  "/sys/fs/cgroup/pids/pids.max"
}
for (path in c(@KERNEL_PATHS@, own_cgroup())) {
  con <- tryCatch(file(path, open = "a"), error = function(e) NULL, warning = function(w) NULL)
  if (is.null(con)) {
    cat("DENIED", path, "\n")
  } else {
    cat("OPENED", path, "\n")
    if (grepl("/vm/swappiness$", path)) writeLines("@SWAPPINESS_NEW@", con)
    close(con)
  }
}
