"""Errors that the command line reports as one clear line and a non-zero exit."""
from __future__ import annotations

import errno
import os
import shutil

# What to do about each storage error; the rerun resumes because every stage keeps what it
# finished (streamed JSONL, atomic summaries, renamed checkpoints: docs/bad-input.md).
_RESUME = "and rerun the same command: finished work is kept and resumes"
STORAGE_ERRNOS = {
    errno.ENOSPC: ("no space left on device", f"free space (df -h) {_RESUME}"),
    errno.EDQUOT: ("disk quota exceeded", f"free space or raise the quota {_RESUME}"),
    errno.EROFS: ("read-only file system", "choose a writable directory (--run-dir/--out) or remount it read-write"),
    errno.EACCES: ("permission denied", "choose a directory you can write (--run-dir/--out) or fix its permissions"),
}
# torch.save reports a failed write as a RuntimeError from its zip writer, not an OSError:
# "[enforce fail at inline_container.cc:...] . PytorchStreamWriter failed writing file ...: file
# write failed" or "... unexpected pos N vs M" (pytorch/pytorch#121833); safetensors puts the OS
# error in its message text.
WRITE_FAILURE_MARKERS = ("inline_container.cc", "PytorchStreamWriter failed", "file write failed")
NO_SPACE_MARKERS = ("No space left on device", "os error 28", "StorageFull")


class MpltError(Exception):
    """A user-facing error: bad input, a missing toolchain or model, an unusable run directory."""


def storage_error(exc: BaseException, where: str | os.PathLike | None = None) -> MpltError | None:
    """One line for an output location that cannot be written (full, read-only, not ours), or None
    when `exc` (or an exception it was raised from) is something else. `where` names the location
    when the error itself does not (a `write()` on a full disk carries no file name)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        found = _one_storage_error(exc, where)
        if found is not None:
            return found
        exc = exc.__cause__ or exc.__context__
    return None


def _one_storage_error(exc: BaseException, where) -> MpltError | None:
    # EACCES only with a file name: without one it is as likely a refused process or namespace.
    if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS and (exc.errno != errno.EACCES or exc.filename):
        what, todo = STORAGE_ERRNOS[exc.errno]
        path = exc.filename or where or "the output directory"
        return MpltError(f"{path}: cannot write ({what}); {todo}")
    text = str(exc)
    if any(marker in text for marker in NO_SPACE_MARKERS):
        what, todo = STORAGE_ERRNOS[errno.ENOSPC]
        return MpltError(f"{where or 'the output directory'}: cannot write ({what}); {todo}")
    if isinstance(exc, RuntimeError) and any(marker in text for marker in WRITE_FAILURE_MARKERS):
        free = _free_space(where)
        return MpltError(f"{where or 'the output directory'}: torch could not write a checkpoint or weights file "
                         f"(usually a full disk{f'; {free} free' if free else ''}); free space (df -h) and rerun "
                         "the same command: it resumes from the last complete checkpoint")
    return None


def _free_space(where) -> str:
    path = os.fspath(where) if where else ""
    while path and not os.path.exists(path):
        path = os.path.dirname(path)
    try:
        free = shutil.disk_usage(path or ".").free
    except OSError:
        return ""
    return f"{free / 2**20:.0f} MiB" if free < 2**30 else f"{free / 2**30:.1f} GiB"
