"""The MultiPL-T data pipeline (docs/method.md, sections 1-4): `select` Python functions, `testgen`
(LLM tests, validated, with coverage and inferred types), `translate` into the target languages
and validate, `dataset` (clean, deduplicate, write the fine-tuning sets). One module per stage,
files in and files out under a run directory; the stage registry (mplt/stages/registry.py) lists them
with the run's other stages."""
