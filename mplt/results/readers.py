"""Lenient readers shared by the results collector: a stage's files are owned by its authors, so a
file that cannot be read becomes a note in the report, never an exception (mplt/results/collect.py)."""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Iterator

from mplt.io import DataError, read_json

VARIANTS = ("base", "finetuned")
PASS_KEY = re.compile(r"^pass@(\d+)$")
DURATION_KEYS = ("duration_s", "elapsed_s", "wall_s", "seconds")
# Subdirectories that hold model weights or per-step state, never figures.
SKIP_DIRS = {"checkpoints", "adapter", "merged", "hf_dataset", "dataset_hf"}


def canonical_language(name: Any) -> str | None:
    """`racket` -> `rkt`; None for anything that is not a known language."""
    from mplt.langs import get_language, languages
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        key = get_language(name).name
    except Exception:  # noqa: BLE001 - an unknown name is simply not a language here
        return None
    return key if key in languages() else None


def slug(text: Any) -> str:
    return re.sub(r"[^a-z0-9@]+", "_", str(text).strip().lower()).strip("_")


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_json_lenient(path: Path, problems: list[str]) -> Any:
    """A file that cannot be read is recorded in `problems` (shown in the report), not raised."""
    try:
        return read_json(path)
    except (DataError, OSError, ValueError) as e:
        problems.append(f"{path}: unreadable ({e})")
        return None


def json_files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*.json")):
        if not SKIP_DIRS.intersection(p.name for p in path.relative_to(directory).parents):
            if not path.name.endswith(".tmp"):
                yield path
