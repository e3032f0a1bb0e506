# @MARKER@: reads root-only and private files and the parent's secrets; prints sizes, never contents.
for (path in c(@SECRET_PATHS@)) {
  data <- tryCatch(readBin(path, "raw", n = 1e7), error = function(e) NULL, warning = function(w) NULL)
  if (is.null(data)) cat("DENIED", path, "\n") else cat("READ", path, length(data), "\n")
}
for (name in c(@SECRET_ENV@)) {
  cat(if (nzchar(Sys.getenv(name))) "READ" else "DENIED", paste0("env:", name), "\n")
}
