"""What every pipeline stage shares: its directory in the run, its log file, its resolved config,
its summary, and the checks on its declared inputs' outputs (the progress bar: `mplt.progress`).

A stage reads files of earlier stages under `RUN/<stage>/`, writes its resolved config there as
`stage_config.json` (every stage, under one name: a model saved in a stage directory has its own
`config.json`), streams its own results to JSONL (resumable by id, `mplt.io.JsonlAppender`) and
writes `summary.json` last, so the presence of `summary.json` means the stage finished.
"""
from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any, Iterator

from mplt.config import config_to_dict
from mplt.errors import MpltError
from mplt.io import read_json, read_jsonl, write_json
from mplt.stages.summary import SUMMARY

STAGE_CONFIG = "stage_config.json"      # RUN/<stage>/STAGE_CONFIG: the stage's resolved config
# The names earlier versions gave it: the model stage's `build_config.json`, then the data stages'
# `config.json` (tried last: in the model stage's directory that name is the saved model's own).
EARLIER_STAGE_CONFIGS = ("build_config.json", "config.json")


def stage_dir(run_dir: Path, stage: str) -> Path:
    path = Path(run_dir) / stage
    path.mkdir(parents=True, exist_ok=True)
    return path


def begin_stage(run_dir: Path, stage: str, config: Any) -> Path:
    """The stage's directory, with a stale `summary.json` removed (so a rerun that is killed does
    not look finished) and the resolved config written beside the outputs."""
    directory = stage_dir(run_dir, stage)
    (directory / SUMMARY).unlink(missing_ok=True)
    write_config(directory, config)
    return directory


def require_inputs(run_dir: Path, stage: str, config: Any = None) -> dict[str, Path]:
    """The directories of the earlier stages that `stage` declares as its inputs (mplt.stages
    registry), each finished; a missing one is a user error with a one-line hint."""
    from mplt.stages.registry import STAGES, get_stage
    return get_stage(stage).require_inputs(run_dir, config, stages=STAGES)


def write_summary(directory: Path, stage: str, summary: dict, seconds: float | None = None) -> dict:
    """The stage's summary in the common format (mplt.stages.summary), written last: its presence
    means the stage finished. `seconds`: the wall time, when the summary does not carry it yet."""
    from mplt.stages.seal import seal_summary
    write_json(Path(directory) / SUMMARY, seal_summary(stage, summary, seconds))
    return summary


def require_kept(stage: str, kept: int, why: str, *, allow_empty: bool = False, log=None) -> None:
    """A stage that keeps nothing fails at once, before writing its summary: otherwise every later
    stage runs on nothing and the run fails much later, at finetune (docs/bad-input.md).
    `allow_empty` is the rehearsal's: its random models keep nothing by design and a later stage
    adds our stand-in material (docs/rehearsal.md), so the stage only logs it."""
    if kept:
        return
    if not allow_empty:
        raise MpltError(f"[{stage}] kept nothing: {why}")
    if log is not None:
        log.warning("%s kept nothing (allowed: a stand-in stage follows): %s", stage, why)


def funnel_text(counts: dict[str, int], dropped: dict[str, int] | None = None) -> str:
    """A funnel in one line up to its first empty step, e.g. "documents 3, functions 0"; the top
    drop reasons after it."""
    shown = []
    for step, n in counts.items():
        shown.append(f"{step} {n}")
        if n == 0:
            break
    text = ", ".join(shown)
    if dropped:
        top = sorted(dropped.items(), key=lambda kv: -kv[1])[:3]
        text += "; dropped: " + ", ".join(f"{why} {n}" for why, n in top)
    return text


def write_config(directory: Path, config: Any) -> None:
    write_json(Path(directory) / STAGE_CONFIG, config_to_dict(config))


def read_stage_config(directory: Path) -> dict | None:
    """The resolved config a stage wrote into its directory, under its name or, for a run directory
    written by an earlier version, under the name that version used; None when there is none."""
    for name in (STAGE_CONFIG, *EARLIER_STAGE_CONFIGS):
        path = Path(directory) / name
        if path.is_file():
            return read_json(path)
    return None


def read_done_ids(path: Path, key: str = "id") -> dict[str, dict]:
    """Records already streamed to `path` by an earlier (maybe killed) run, by id."""
    if not Path(path).exists():
        return {}
    return {r[key]: r for r in read_jsonl(path, skip_partial=True)}


@contextlib.contextmanager
def stage_log(run_dir: Path, stage: str) -> Iterator[logging.Logger]:
    """Log the stage to `RUN/logs/<stage>.log` (appending, so a resumed run keeps its history)."""
    log_dir = Path(run_dir) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_dir / f"{stage}.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("mplt")
    root.addHandler(handler)
    old_level = root.level
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    try:
        yield logging.getLogger(f"mplt.pipeline.{stage}")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
