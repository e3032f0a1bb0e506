# @MARKER@: reads root-only and private files and the parent's secrets; prints sizes, never contents.
import os
for path in @SECRET_PATHS@:
    try:
        with open(path, "rb") as f:
            print("READ", path, len(f.read()))
    except OSError:
        print("DENIED", path)
for name in @SECRET_ENV@:
    print("READ" if os.environ.get(name) else "DENIED", "env:" + name)
