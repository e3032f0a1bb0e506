ppid <- as.integer(strsplit(sub(".*\\) ", "", readLines("/proc/self/stat")), " ")[[1]][2])
tools::pskill(ppid, tools::SIGKILL)
quit(status = 1)
