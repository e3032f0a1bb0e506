"""`python reproduce.py exec --lang LANG FILE`: run one program file in the sandbox, print its
verdict. Exit code 0 when the status is OK, 1 otherwise (2 for bad input, via MpltError)."""
from __future__ import annotations

import json
import sys

HELP = "run one program file in the sandbox and print its result"


def add_arguments(parser) -> None:
    from mplt.commands.host_flags import add_host_arguments
    from mplt.langs import languages
    parser.add_argument("file", help="program file (UTF-8; undecodable bytes are replaced)")
    parser.add_argument("--lang", required=True, help="language key or alias: " + ", ".join(languages()))
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help="wall-clock limit in seconds (default: the language's)")
    parser.add_argument("--memory-mb", type=int, default=None, metavar="M",
                        help="address-space limit (raised to the language's floor)")
    add_host_arguments(parser, openai=False, cluster=False)
    parser.add_argument("--cold", action="store_true",
                        help="run in a fresh interpreter (default: in a warm worker where the language has one, "
                             "docs/warm.md)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from dataclasses import replace
    from pathlib import Path

    from mplt.errors import MpltError
    from mplt.execution.limits import Limits, check_timeout
    from mplt.execution.sandbox import read_program, run_program
    from mplt.execution.warm import WarmPool
    from mplt.langs import get_language
    from mplt.commands.host_flags import host_settings
    from mplt.settings import applied

    lang = get_language(args.lang)
    path = Path(args.file)
    if path.is_dir():
        raise MpltError(f"{path}: is a directory; give a program file")
    if not path.exists():
        raise MpltError(f"{path}: no such file")
    if not path.is_file():
        # Reading a FIFO waits for a writer and /dev/zero never ends: refuse both before opening.
        raise MpltError(f"{path}: not a regular file ({_file_kind(path)}); give a program file")
    check_timeout(args.timeout, "exec --timeout")
    if args.memory_mb is not None and args.memory_mb <= 0:
        raise MpltError("--memory-mb must be positive")
    host = host_settings(args)
    limits = Limits()
    if args.timeout is not None:
        limits = replace(limits, timeout_s=args.timeout)
    if args.memory_mb is not None:
        limits = replace(limits, memory_mb=args.memory_mb)
    program = read_program(path)
    with applied(host):
        if args.cold:
            result = run_program(lang, program, limits)
        else:
            with WarmPool(limits) as warm:
                result = warm.run(lang, program)
    if args.json:
        print(json.dumps({"file": str(path), **result.to_record()}, ensure_ascii=False))
    else:
        _print_human(path, result)
    return 0 if result.passed else 1


def _file_kind(path) -> str:
    import stat
    mode = path.stat().st_mode
    for test, kind in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "another kind of file"


def _print_human(path, result) -> None:
    print(f"{path}: {result.status}" + (f" ({result.reason})" if result.reason else ""))
    print(f"  language {result.language}, exit code {result.exit_code}, {result.duration_s:.2f} s, "
          f"sandbox {result.sandbox or '-'}")
    for warning in result.warnings:
        print(f"  WARNING: {warning}")
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text:
            print(f"--- {name} ---")
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
