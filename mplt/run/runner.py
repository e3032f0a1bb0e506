"""`reproduce.py run`: the profile's stages in order, resumable, with one screen.

Order: the profile's `[run] stages`, in the registry's order (mplt/stages/registry.py); each stage's
declared inputs must have finished first (a missing one is a one-line error naming the stage).
* Resume: a stage whose `summary.json` exists is finished and skipped; an unfinished one is run
  again and continues from its own streamed files (every stage resumes by id).
* `--from STAGE` reruns that stage and the ones after it, `--only STAGE` reruns just that one: their
  directories are removed first, so they really recompute (a rerun without the flags resumes).
* `report` and `check` always run (`always_runs` in their entries): they only read the other stages'
  files. A summary with `passed: false` (the check's) makes the exit code 1.
* Screen: one rich console shared with the stages' progress bars (rich nests live displays on the
  same console), a status line for the current stage, one line per finished stage, and at the end
  the results table and the check verdict. Everything the stages log goes to `RUN/logs/<stage>.log`,
  and everything else (library warnings) to `RUN/logs/run.log`; the external tools run while the
  environment is recorded (git, toolchain versions) log their whole output to `RUN/logs/tools.log`.
"""
from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mplt.errors import MpltError, storage_error
from mplt.io import read_json, write_json
from mplt.stages.summary import SUMMARY
from mplt.run.profiles import Profile, resolved_config, stage_config
from mplt.stages import registry


def _always_runs(stage: str) -> bool:
    return registry.get_stage(stage).always_runs


def plan_stages(stages: tuple[str, ...], from_stage: str | None = None, only: str | None = None) -> tuple[list[str], set[str]]:
    """(stages to visit, stages to rerun from scratch) for the profile's stage list."""
    for flag, value in (("--from", from_stage), ("--only", only)):
        if value and value not in stages:
            raise MpltError(f"{flag} {value}: not a stage of this profile ({', '.join(stages)})")
    if from_stage and only:
        raise MpltError("use either --from or --only, not both")
    if only:
        return [only], {only} - {s for s in (only,) if _always_runs(s)}
    if from_stage:
        rerun = list(stages[stages.index(from_stage):])
        return list(stages), {s for s in rerun if not _always_runs(s)}
    return list(stages), set()


def is_finished(run_dir: Path, stage: str) -> bool:
    return not _always_runs(stage) and (Path(run_dir) / stage / SUMMARY).exists()


def clear_stage(run_dir: Path, stage: str) -> None:
    """Remove a stage's outputs and log so that it recomputes."""
    shutil.rmtree(Path(run_dir) / stage, ignore_errors=True)
    (Path(run_dir) / "logs" / f"{stage}.log").unlink(missing_ok=True)


def one_line(stage: str, summary: dict[str, Any]) -> str:
    """A short human summary of a finished stage, written by its registry entry."""
    return registry.get_stage(stage).line(summary)


@dataclass
class StageRow:
    name: str
    status: str = "pending"       # pending | running | done | cached | failed
    seconds: float | None = None
    summary: str = ""
    started: float | None = None


@dataclass
class RunView:
    """The live status line: which stage runs, how many are done, elapsed time."""
    rows: dict[str, StageRow] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def __rich__(self):
        from rich.text import Text
        done = sum(r.status in ("done", "cached") for r in self.rows.values())
        current = next((r for r in self.rows.values() if r.status == "running"), None)
        text = Text()
        text.append(f"[{done}/{len(self.rows)} stages] ", style="bold")
        if current is not None:
            text.append(f"running {current.name}", style="bold cyan")
            text.append(f"  {_clock(time.monotonic() - (current.started or time.monotonic()))}")
        text.append(f"  total {_clock(time.monotonic() - self.started)}", style="dim")
        return text


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@dataclass
class RunOutcome:
    exit_code: int
    summaries: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0


def run_profile(profile: Profile, run_dir: Path, *, from_stage: str | None = None, only: str | None = None,
                console=None, progress: bool = True) -> RunOutcome:
    """Run the profile's stages in `run_dir`; exit code 0 when everything ran and check passed."""
    from rich.live import Live

    console = console or _shared_console()
    run_dir = Path(run_dir)
    stages, rerun = plan_stages(tuple(profile.run.stages), from_stage, only)
    for stage in rerun:
        clear_stage(run_dir, stage)
    view = RunView({s: StageRow(s) for s in stages})
    outcome = RunOutcome(0)
    start = time.monotonic()
    with _run_logging(run_dir), Live(view, console=console, refresh_per_second=4, transient=True,
                                      redirect_stderr=False) as live:
        for stage in stages:
            row = view.rows[stage]
            if is_finished(run_dir, stage):
                summary = read_json(run_dir / stage / SUMMARY)
                row.status, row.summary, row.seconds = "cached", one_line(stage, summary), 0.0
                outcome.summaries[stage] = summary
                console.print(f"[dim]= {stage:<9} finished earlier: {row.summary}[/]")
                continue
            entry = registry.get_stage(stage)
            run_function, _ = entry.load()
            config = stage_config(profile, stage)
            row.status, row.started = "running", time.monotonic()
            live.refresh()
            try:
                entry.require_inputs(run_dir, config, stages=registry.STAGES)    # the declared inputs, each finished
                summary = run_function(run_dir, config, progress=progress)
            except Exception as e:
                # A full disk or an unwritable run directory fails the stage like bad input does:
                # one line; what the stage finished is kept and a rerun resumes (docs/bad-input.md).
                e = e if isinstance(e, MpltError) else storage_error(e, run_dir / stage)
                if e is None:
                    raise
                row.status = "failed"
                console.print(f"[bold red]x {stage:<9} failed[/]: {e} (log: {run_dir / 'logs' / (stage + '.log')})")
                outcome.exit_code = 2
                break
            row.seconds = time.monotonic() - row.started
            row.status, row.summary = "done", one_line(stage, summary)
            outcome.summaries[stage] = summary
            colour = "red" if summary.get("passed") is False else "green"
            console.print(f"[{colour}]+ {stage:<9}[/] {_clock(row.seconds)}  {row.summary}")
    outcome.seconds = time.monotonic() - start
    if outcome.exit_code == 0 and any(s.get("passed") is False for s in outcome.summaries.values()):
        outcome.exit_code = 1
    return outcome


def _shared_console():
    """rich's global console: the stages' progress bars use it too, so their live displays nest."""
    from rich import get_console
    return get_console()


class _run_logging:
    """During a run: the console shows warnings only (through rich, so they do not tear the live
    display); everything from INFO up goes to RUN/logs/run.log."""

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)

    def __enter__(self):
        from rich.logging import RichHandler
        root = logging.getLogger()
        (self.run_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.file = logging.FileHandler(self.run_dir / "logs" / "run.log", encoding="utf-8")
        self.file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.file.setLevel(logging.INFO)
        self.saved = (list(root.handlers), root.level)
        self.screen = RichHandler(console=_shared_console(), show_path=False, level=logging.WARNING)
        # Library deprecation warnings belong in the log file, not on the screen.
        self.screen.addFilter(lambda record: record.name != "py.warnings")
        root.handlers = [self.file, self.screen]
        root.setLevel(logging.INFO)
        logging.captureWarnings(True)
        return self

    def __exit__(self, *exc):
        root = logging.getLogger()
        root.handlers, level = self.saved
        root.setLevel(level)
        logging.captureWarnings(False)
        self.file.close()
        return False


def write_run_files(profile: Profile, run_dir: Path, reason: str, engine=None) -> dict:
    """The resolved config, the profile file itself and the environment, in the run directory;
    `engine` (a mplt.generation.engine.EngineChoice) is what "auto" chose, when a stage asked."""
    from mplt.run.environment import capture_environment, collect_references
    from mplt.run.profiles import REPO_DIR
    from mplt.tools import tool_log
    run_dir.mkdir(parents=True, exist_ok=True)
    resolved = resolved_config(profile)
    resolved["profile_reason"] = reason
    write_json(run_dir / "config.json", resolved)
    shutil.copyfile(profile.path, run_dir / "profile.toml")
    models, datasets, seeds = collect_references(resolved)
    seeds = {"run": profile.run.seed, **seeds}
    # The probes' full output (git, toolchain versions) is kept beside the run's other logs.
    with tool_log(run_dir / "logs" / "tools.log"):
        environment = capture_environment(REPO_DIR, models, datasets, seeds)
    environment["profile"] = profile.name
    if engine is not None:
        environment["generation_engine"] = engine.record()
    write_json(run_dir / "environment.json", environment)
    return environment
