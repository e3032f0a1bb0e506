"""The problem model: a Python problem in, a translated problem (MultiPL-E record) or a Skip out."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PythonProblem:
    """A typed Python function stub plus its tests.

    prompt: optional imports + ONE `def` with type annotations and a docstring, no body.
    tests: one statement per item, `assert candidate(1, 2) == 3` (the entry-point name may be used
        instead of `candidate`: `assert add(1, 2) == 3` is accepted too).
    canonical_solution: the indented Python body, used only with `add_canonical=True`."""
    name: str
    entry_point: str
    prompt: str
    tests: tuple[str, ...]
    canonical_solution: str = ""


@dataclass(frozen=True)
class TranslatedProblem:
    name: str
    language: str
    prompt: str
    tests: str
    stop_tokens: tuple[str, ...]
    entry_point: str
    doctests: str = "transform"
    prompt_terminology: str = "reworded"
    skipped_tests: tuple[tuple[str, str], ...] = ()   # (python test, reason) dropped individually

    def to_record(self) -> dict:
        """The MultiPL-E dataset fields (docs/conventions.md, section 9) plus entry_point, skipped_tests."""
        return {"name": self.name, "language": self.language, "prompt": self.prompt,
                "doctests": self.doctests, "original": "", "prompt_terminology": self.prompt_terminology,
                "tests": self.tests, "stop_tokens": list(self.stop_tokens),
                "entry_point": self.entry_point,
                "skipped_tests": [list(pair) for pair in self.skipped_tests]}

    @classmethod
    def from_record(cls, record: Mapping) -> "TranslatedProblem":
        return cls(name=record["name"], language=record["language"], prompt=record["prompt"],
                   tests=record["tests"], stop_tokens=tuple(record["stop_tokens"]),
                   entry_point=record.get("entry_point", ""),
                   doctests=record.get("doctests", "transform"),
                   prompt_terminology=record.get("prompt_terminology", "reworded"),
                   skipped_tests=tuple(tuple(p) for p in record.get("skipped_tests", ())))


@dataclass(frozen=True)
class Skip:
    """A problem that cannot be translated to `language`; `reason` is a short stable key."""
    name: str
    language: str
    reason: str
    detail: str = ""


def build_program(record_or_problem: Mapping | TranslatedProblem, completion: str) -> str:
    """MultiPL-E's program text: the unstripped prompt + completion + "\\n" + tests (5). An infill
    record (a `suffix`: mplt.benchmarks.humaneval_infilling) puts its suffix after the middle, as
    human-eval-infilling's `execution.py` does: prefix + middle + suffix + "\\n" + tests."""
    if isinstance(record_or_problem, TranslatedProblem):
        prompt, suffix, tests = record_or_problem.prompt, "", record_or_problem.tests
    else:
        prompt, tests = record_or_problem["prompt"], record_or_problem["tests"]
        suffix = record_or_problem.get("suffix") or ""
    return prompt + completion + suffix + "\n" + tests
