# @MARKER@: writes 8 MiB files until the disk is full; the disk quota must stop it.
block = b"x" * (8 * 1024 * 1024)
for i in range(1000):
    with open(f"fill-{i}.bin", "wb") as f:
        f.write(block)
