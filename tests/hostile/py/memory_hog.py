# @MARKER@: grabs 8 GiB in 64 MiB pieces; RLIMIT_AS must stop it.
hog = []
for _ in range(128):
    hog.append(bytearray(64 * 1024 * 1024))
print("allocated", len(hog))
