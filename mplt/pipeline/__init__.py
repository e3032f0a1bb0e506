"""The MultiPL-T data pipeline (docs/method.md, sections 1-4): `select` Python functions, `testgen`
(LLM tests, validated, with coverage and inferred types), `translate` into the target languages
and validate, `dataset` (clean, deduplicate, write the fine-tuning sets). One module per stage,
files in and files out under a run directory; `STAGES` lists them."""
from mplt.pipeline.registry import STAGES, Stage, run_stage

__all__ = ["STAGES", "Stage", "run_stage"]
