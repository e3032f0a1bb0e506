# Forged answers on every descriptor, the parent's descriptors and the answer FIFO's names.
import os
text = "".join(f"{n} exit 0\n{n} pid 1\n" for n in range(41)).encode()
for fd in range(3, 41):
    try:
        os.write(fd, text)
    except OSError:
        pass
for path in ["../answers", "../../answers", *(f"/proc/{os.getppid()}/fd/{fd}" for fd in range(41))]:
    try:
        with open(path, "ab") as f:
            f.write(text)
    except OSError:
        pass
print(text.decode())
raise SystemExit(1)
