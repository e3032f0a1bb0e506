"""What a run produced, read back: every figure of a run directory (`collect`), the check against
the expected results (`check`), the report with its plots (`report`, `plots`, `what_ran`) and the
published numbers it compares with (`published`). Nothing here runs a stage; `mplt.run` does."""
