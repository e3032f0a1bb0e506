"""One command at a time per output directory (docs/bad-input.md, "One command per directory").

Every stage appends its results to JSONL files and resumes by id (docs/style.md, rule 2): two
commands writing the same run or `--out` directory at once both append, and the directory ends up
with more result lines than ids (a drill found 77 lines for 60 ids). `directory_lock`
holds an exclusive `flock(2)` on `DIR/.mplt.lock` for the command's life; a second command on the
same directory stops at once with one line naming the holder. The kernel drops the lock when its
holder exits, however it ends (kill -9 included), so a stale lock file never blocks a rerun; the
file itself stays and is harmless.
"""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mplt.errors import MpltError

LOCK_NAME = ".mplt.lock"


@contextmanager
def directory_lock(directory: str | os.PathLike, command: str, flag: str) -> Iterator[Path]:
    """Hold `directory`'s lock (the directory must exist) while the block runs, or raise
    MpltError naming the command that holds it and the `flag` that picks another directory."""
    path = Path(directory) / LOCK_NAME
    handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "holder unknown"
            raise MpltError(f"{directory} is in use by another mplt command ({holder}); "
                            f"wait for it to finish or use another {flag}") from None
        handle.truncate(0)
        handle.write(f"{command}, pid {os.getpid()}\n")
        handle.flush()
        yield path
    finally:
        handle.close()      # closing the last descriptor releases the flock
