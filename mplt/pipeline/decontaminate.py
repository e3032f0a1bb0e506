"""Decontamination against the evaluation benchmark (docs/method.md, sections 1f.2, 10.2): drop a function if a
benchmark docstring or canonical solution occurs in it as an exact substring.

The benchmark is read from paths given in the config (HumanEval `.jsonl[.gz]`, optionally an
MBPP JSONL); its text never enters the repository. As in the original, canonical solutions that
are generic one-liners (`return x + y`, `return len(string)`) are not used, since they would
match many innocent functions: we call a solution generic when it is a single `return` of
fewer than `extract.TRIVIAL_MAX_NODES` AST nodes (the same measure as the trivial filter).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from mplt.benchmarks.records import read_checked
from mplt.errors import MpltError
from mplt.pipeline.extract import TRIVIAL_MAX_NODES, count_nodes

_DOCSTRING = re.compile(r'"""([\s\S]*?)"""|\'\'\'([\s\S]*?)\'\'\'')
# Docstring fragments shorter than this are too generic to be evidence of contamination.
MIN_STRING_CHARS = 20


@dataclass(frozen=True)
class BenchmarkStrings:
    strings: tuple[str, ...]
    generic_skipped: int
    sources: tuple[str, ...]

    def contaminates(self, text: str) -> bool:
        return any(s in text for s in self.strings)


def load_benchmark_strings(humaneval_path: str = "", mbpp_path: str = "") -> BenchmarkStrings:
    strings: set[str] = set()
    generic = 0
    sources = []
    if humaneval_path:
        for record in _read(humaneval_path, "HumanEval"):
            strings.update(_docstrings(record.get("prompt", "")))
            solution = record.get("canonical_solution", "").strip()
            if _is_generic(solution):
                generic += 1
            elif solution:
                strings.add(solution)
        sources.append(str(humaneval_path))
    if mbpp_path:
        for record in _read(mbpp_path, "MBPP"):
            for key in ("prompt", "text"):
                if len(record.get(key, "").strip()) >= MIN_STRING_CHARS:
                    strings.add(record[key].strip())
            code = record.get("code", "").strip()
            if code and not _is_generic(code):
                strings.add(code)
        sources.append(str(mbpp_path))
    kept = tuple(sorted(s for s in strings if len(s) >= MIN_STRING_CHARS or "\n" in s))
    return BenchmarkStrings(kept, generic, tuple(sources))


# The text fields decontamination reads; each may be absent, but must be a string when present.
TEXT_FIELDS = {"HumanEval": ("task_id", "prompt", "canonical_solution"), "MBPP": ("prompt", "text", "code")}


def _read(path: str, what: str):
    if not Path(path).exists():
        raise MpltError(f"{what} file {path} not found (decontamination needs it; set the path "
                        f"in [select] or leave it empty to skip)")
    fields = TEXT_FIELDS[what]
    return read_checked(path, dict.fromkeys(fields, str), what, fields[0], optional=fields)


def _docstrings(prompt: str) -> list[str]:
    return [(a or b).strip() for a, b in _DOCSTRING.findall(prompt) if (a or b).strip()]


def _is_generic(solution: str) -> bool:
    try:
        tree = ast.parse(solution)
    except SyntaxError:
        return False
    return (len(tree.body) == 1 and isinstance(tree.body[0], ast.Return)
            and count_nodes(tree.body[0]) < TRIVIAL_MAX_NODES)
