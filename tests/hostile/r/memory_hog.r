# @MARKER@: allocates 8 GiB in 64 MiB vectors; RLIMIT_AS must stop it.
hog <- list()
for (i in 1:128) hog[[i]] <- numeric(8 * 1024 * 1024) + i
print(length(hog))
