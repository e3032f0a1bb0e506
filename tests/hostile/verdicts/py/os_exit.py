import os
print("bye", flush=True)
os._exit(0)
