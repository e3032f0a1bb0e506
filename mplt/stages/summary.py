"""The one format of every stage summary (`RUN/<stage>/summary.json` and what a stage returns).

Envelope, common to all: `schema` (this format's version, `SCHEMA`), `stage` (the entry's name) and
`seconds` (the stage's wall time). Then the stage's own fields, declared by its registry entry as a
`SummarySchema`: required names with their JSON types; a summary may carry more (`dropped`,
per-language details), which readers must not rely on. Checking a summary against its stage's entry
is `mplt.stages.seal` (it reads the registry, which reads this module).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


SCHEMA = "mplt-summary/1"
SUMMARY = "summary.json"          # RUN/<stage>/SUMMARY; written last, so its presence means the stage finished
# JSON type names, as JSON Schema spells them; a bool is not a number here (Python says it is).
_JSON_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
               "object": (dict,), "array": (list, tuple), "null": (type(None),)}
# The types a registry entry gives its summary fields.
STRING, INTEGER, NUMBER, BOOLEAN = ("string",), ("integer",), ("number",), ("boolean",)
OBJECT, ARRAY, STRING_OR_NULL = ("object",), ("array",), ("string", "null")
ENVELOPE = {"schema": STRING, "stage": STRING, "seconds": NUMBER}


@dataclass(frozen=True)
class SummarySchema:
    """A stage's own summary fields: name -> allowed JSON types (e.g. ("integer",), or
    ("string", "null") for an optional revision)."""
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def problems(self, stage: str, summary: Any) -> list[str]:
        if not isinstance(summary, dict):
            return [f"a summary is a JSON object, got {type(summary).__name__}"]
        found = []
        if summary.get("stage") != stage:
            found.append(f"stage is {summary.get('stage')!r}, expected {stage!r}")
        for name, types in {**ENVELOPE, **self.fields}.items():
            if name not in summary:
                found.append(f"{name} missing")
            elif not _is_json_type(summary[name], types):
                found.append(f"{name} is {type(summary[name]).__name__}, expected {' or '.join(types)}")
        if summary.get("schema", SCHEMA) != SCHEMA:
            found.append(f"schema is {summary['schema']!r}, expected {SCHEMA!r}")
        return found


def _is_json_type(value: Any, types: tuple[str, ...]) -> bool:
    for name in types:
        if isinstance(value, bool) and name in ("integer", "number"):
            continue
        if isinstance(value, _JSON_TYPES[name]):
            return True
    return False
