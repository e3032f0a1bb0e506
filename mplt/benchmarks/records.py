"""Benchmark records checked field by field as they are read, so a malformed HumanEval or
MultiPL-E file is one line naming the file, line, record and field (docs/bad-input.md) instead of a
TypeError where the field is first used (`compile()`, `str.replace`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from mplt.errors import MpltError
from mplt.io import json_type, read_jsonl_lines

STR_LIST = "array of strings"


def read_checked(path: str | Path, fields: dict[str, Any], what: str, name_key: str,
                 optional: tuple[str, ...] = ()) -> Iterator[dict]:
    """The records of a JSONL(.gz) file, each holding every field of `fields` (name -> `str` or
    `STR_LIST`) with the right type; fields in `optional` may be absent."""
    for line, record in read_jsonl_lines(path):
        check_record(record, fields, f"{path}:{line}", what, name_key, optional)
        yield record


def check_record(record: dict, fields: dict[str, Any], where: str, what: str, name_key: str,
                 optional: tuple[str, ...] = ()) -> None:
    name = record.get(name_key)
    label = f"{what} record {name!r}" if isinstance(name, str) else f"{what} record"
    missing = [k for k in fields if k not in record and k not in optional]
    if missing:
        raise MpltError(f"{where}: {label} lacks field(s) {', '.join(missing)}")
    for key, kind in fields.items():
        if key not in record:
            continue
        value = record[key]
        if kind is str and not isinstance(value, str):
            raise MpltError(f"{where}: {label} field {key}: expected a string, got {json_type(value)}")
        if kind == STR_LIST and not (isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)):
            raise MpltError(f"{where}: {label} field {key}: expected an array of strings, got "
                            f"{json_type(value) if not isinstance(value, (list, tuple)) else 'an array with other values'}")
