"""`python reproduce.py COMMAND ...`: one subcommand per module in `mplt/commands/`.

Each command module defines `HELP`, `add_arguments(parser)` and `run(args) -> int`, and keeps heavy
imports (torch, transformers) inside `run`, so `--help` and `doctor` start fast.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from mplt.errors import MpltError, storage_error

COMMANDS = {
    "doctor": "mplt.commands.doctor",
    "exec": "mplt.commands.exec_program",
    "translate": "mplt.commands.translate",
    "eval": "mplt.commands.evaluate",
    "stage": "mplt.commands.stage",
    "finetune": "mplt.commands.finetune",
    "run": "mplt.commands.run",
    "report": "mplt.commands.report",
    "check": "mplt.commands.check",
    "list": "mplt.commands.listing",
}


def build_parser(commands: dict[str, str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reproduce.py", description=(
        "mplt: reproduce MultiPL-T (Cassano et al., OOPSLA 2024) end to end."))
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in (COMMANDS if commands is None else commands).items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    # A log file on a full disk must not print a "--- Logging error ---" traceback per record; the
    # failing write of the stage's own output still stops it with one line (logging docs,
    # `logging.raiseExceptions`: off is what applications want in production).
    logging.raiseExceptions = args.verbose
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except MpltError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `reproduce.py ... | head`: the reader left; say nothing more (Python docs, "Note on SIGPIPE")
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as e:
        # One place for every command: a full, read-only or foreign output location is one line
        # naming it and what to do (docs/bad-input.md); anything else keeps its traceback.
        error = storage_error(e, _output_location(args))
        if error is None:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished work is saved; rerun the same command to resume", file=sys.stderr)
        return 130


def _output_location(args: argparse.Namespace) -> str | None:
    """Where the command writes, for errors that carry no file name (a `write()` on a full disk)."""
    for name in ("run_dir", "out"):
        value = getattr(args, name, None)
        if value:
            return str(value)
    return None
