"""The one format of every stage summary (`RUN/<stage>/summary.json` and what a stage returns).

Envelope, common to all: `schema` (this format's version, `SCHEMA`), `stage` (the entry's name) and
`seconds` (the stage's wall time). Then the stage's own fields, declared by its registry entry as a
`SummarySchema`: required names with their JSON types; a summary may carry more (`dropped`,
per-language details), which readers must not rely on. `json_schema` renders the same rules as a
JSON Schema (draft 2020-12) for readers outside Python.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from mplt.errors import MpltError

SCHEMA = "mplt-summary/1"
# JSON type names, as JSON Schema spells them; a bool is not a number here (Python says it is).
_JSON_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
               "object": (dict,), "array": (list, tuple), "null": (type(None),)}
ENVELOPE = {"schema": ("string",), "stage": ("string",), "seconds": ("number",)}


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


def check_summary(stage: str, summary: dict) -> dict:
    """The summary, valid against its entry's schema, or an MpltError naming every problem."""
    from mplt.stages.registry import get_stage
    problems = get_stage(stage).summary.problems(stage, summary)
    if problems:
        raise MpltError(f"[{stage}] summary does not follow {SCHEMA}: {'; '.join(problems)}")
    return summary


def seal_summary(stage: str, summary: dict, seconds: float | None = None) -> dict:
    """Add the envelope (in place, so the caller's dict is the written one) and validate."""
    summary["stage"] = stage
    summary["schema"] = SCHEMA
    if seconds is not None:
        summary["seconds"] = round(seconds, 2)
    return check_summary(stage, summary)


def json_schema(stage: str) -> dict:
    """The stage's summary rules as a JSON Schema document."""
    from mplt.stages.registry import get_stage
    fields = {**ENVELOPE, **get_stage(stage).summary.fields}
    properties = {name: {"type": list(types) if len(types) > 1 else types[0]} for name, types in fields.items()}
    properties["stage"] = {"const": stage}
    properties["schema"] = {"const": SCHEMA}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": f"mplt {stage} summary",
            "type": "object", "required": list(fields), "properties": properties}
