# Reads its own source for the completion line: OK in warm and cold alike (a documented limit).
source_text <- paste(readLines("program.r"), collapse = "\n")
cat("\n", regmatches(source_text, regexpr(paste0("mplt-completed", "-[0-9a-f]+"), source_text)), "\n", sep = "")
quit(status = 0)
