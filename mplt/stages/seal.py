"""A stage summary checked against its registry entry's `SummarySchema` (mplt/stages/summary.py):
`seal_summary` adds the envelope and validates when a stage writes its summary, `check_summary`
validates one read back, and `json_schema` renders an entry's rules as a JSON Schema (draft 2020-12)
for readers outside Python. A module of its own because it needs the registry, which needs
mplt.stages.summary: kept apart, neither imports the other back (docs/stages.md)."""
from __future__ import annotations

from mplt.errors import MpltError
from mplt.stages.registry import get_stage
from mplt.stages.summary import ENVELOPE, SCHEMA


def check_summary(stage: str, summary: dict) -> dict:
    """The summary, valid against its entry's schema, or an MpltError naming every problem."""
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
    fields = {**ENVELOPE, **get_stage(stage).summary.fields}
    properties = {name: {"type": list(types) if len(types) > 1 else types[0]} for name, types in fields.items()}
    properties["stage"] = {"const": stage}
    properties["schema"] = {"const": SCHEMA}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": f"mplt {stage} summary",
            "type": "object", "required": list(fields), "properties": properties}
