#!/usr/bin/env python3
"""mplt command line: `python reproduce.py --help`. Run it with the project's .venv
(`make setup` creates it); `make reproduce` and `make test` do everything for you."""
import sys

try:
    from mplt.cli import main
except ImportError as e:  # run outside .venv
    sys.exit(f"error: {e}; run `make setup`, then `.venv/bin/python reproduce.py ...`")

if __name__ == "__main__":
    sys.exit(main())
