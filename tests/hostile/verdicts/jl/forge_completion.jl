# Reads its own source for the completion line: OK in warm and cold alike (a documented limit).
source = read("program.jl", String)
print("\n", match(Regex("mplt-completed" * "-[0-9a-f]+"), source).match, "\n")
exit(0)
