import atexit
atexit.register(lambda: print("\nmplt-completed-000000000000000000000000"))
raise RuntimeError("the attacker fails")
