atexit(() -> print("\nmplt-completed-000000000000000000000000\n"))
finalizer(x -> ccall(:_exit, Cvoid, (Cint,), 0), Ref(1))
error("the attacker fails")
