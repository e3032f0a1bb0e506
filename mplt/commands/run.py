"""`python reproduce.py run [--profile P] [--run-dir D] [--from STAGE | --only STAGE]`: the whole
pipeline end to end, resumable, checked against expected_results/<profile>.json."""
from __future__ import annotations

import argparse

HELP = "run a profile end to end (select ... evaluate, report, check); rerun to resume"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mplt.commands.host_flags import add_host_arguments
    from mplt.run.profiles import STAGE_ORDER, list_profiles
    parser.add_argument("--profile", help=f"{', '.join(list_profiles())} or a TOML path "
                                          "(default: scaled with a CUDA GPU, else smoke)")
    parser.add_argument("--run-dir", help="run directory (default: runs/<profile>)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--from", dest="from_stage", metavar="STAGE", choices=STAGE_ORDER,
                       help="rerun this stage and every later one from scratch")
    group.add_argument("--only", metavar="STAGE", choices=STAGE_ORDER, help="rerun just this stage from scratch")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars (logs only)")
    parser.add_argument("--cold", action="store_true",
                        help="run every program in a fresh interpreter, whatever the profile's [run] execution "
                             "(default: warm workers, docs/warm.md)")
    add_host_arguments(parser)
    parser.add_argument("--rehearse", action="store_true",
                        help="rehearse the profile: every stage with its settings, but random tiny models of the "
                             "same architectures, local stand-in data and cut sample counts (minutes on CPU; "
                             "default run dir runs/<profile>-rehearsal)")
    parser.add_argument("--langs", help="with --rehearse: rehearse only these of the profile's languages "
                                        "(comma-separated, e.g. lua,rkt)")
    parser.add_argument("--benchmark-path", metavar="PATH",
                        help="with --rehearse: a local copy of the evaluation's benchmark, as `eval "
                             "--benchmark-path` and [evaluate] benchmark_path take it (docs/benchmarks.md), instead "
                             "of the mini benchmark standing in for it")


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from mplt.errors import MpltError
    from mplt.run.profiles import choose_default_profile, load_profile

    # Library progress bars (weights loading/saving) would tear the live display; logs keep the facts.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    if args.profile:
        name, reason = args.profile, "chosen with --profile"
    else:
        name, reason = choose_default_profile()
    rehearse = getattr(args, "rehearse", False)
    for flag, value in (("--benchmark-path", getattr(args, "benchmark_path", None)),
                        ("--langs", getattr(args, "langs", None))):
        if value is not None and not rehearse:
            raise MpltError(f"{flag} goes with --rehearse")
    langs = tuple(lang.strip() for lang in (getattr(args, "langs", None) or "").split(",") if lang.strip())
    if getattr(args, "langs", None) is not None and not langs:   # empty is a mistake, not "all of them"
        raise MpltError(f"--langs {args.langs!r} names no language; give e.g. lua,rkt")
    run_dir = Path(args.run_dir or Path("runs") / (Path(name).stem + ("-rehearsal" if rehearse else "")))
    from mplt.commands.host_flags import FLAG_NAMES, host_flags
    profile = load_profile(name, run_dir, flags=host_flags(args), flag_names=FLAG_NAMES)
    if rehearse:
        from mplt.rehearsal.profile import RehearsalLimits, rehearse_profile
        profile = rehearse_profile(profile, run_dir, RehearsalLimits(langs=langs), benchmark_path=args.benchmark_path)
    return run_loaded(profile, run_dir, reason, args)


def run_loaded(profile, run_dir, reason: str, args: argparse.Namespace, engine_probe=None) -> int:
    """Run a loaded profile; `engine_probe` (a mplt.generation.engine.EngineProbe) stands in for
    this machine when "auto" picks the generation engine (tests)."""
    from rich import get_console

    from mplt.generation.engine import resolve_profile_engine
    from mplt.io import ensure_writable
    from mplt.run.estimate import estimate
    from mplt.run.preflight import (check_gpu, check_hub, check_hub_access_if_online,
                                    fetch_prompt_files)
    from mplt.run.runner import run_profile, write_run_files

    console = get_console()
    rehearsal = "rehearse" in profile.run.stages
    seconds, lines = estimate(profile)
    if rehearsal:   # the estimate's rates and counts are a real run's; a rehearsal's time is its own
        lines = ["a rehearsal: random tiny models, local stand-in data, cut sample counts; no Hub access "
                 "checks (nothing is downloaded)"]
    _banner(console, profile, run_dir, reason, seconds, lines)
    check_gpu(profile)
    profile, engine = resolve_profile_engine(profile, engine_probe)
    if engine is not None:   # one line: which engine samples this run, and why
        console.print(engine.line())
    check_hub(profile)
    check_hub_access_if_online(profile, run_dir)
    fetch_prompt_files(profile)    # the host settings were checked when the profile was loaded
    ensure_writable(run_dir)
    from mplt.run.lock import directory_lock
    from mplt.settings import applied
    with directory_lock(run_dir, "run", "--run-dir"), applied(profile.host):
        write_run_files(profile, run_dir, reason, engine)
        outcome = run_profile(profile, run_dir, from_stage=args.from_stage, only=args.only, console=console,
                              progress=not args.no_progress)
        _record_built_models(run_dir)
    _finish(console, run_dir, outcome)
    return outcome.exit_code


def _record_built_models(run_dir) -> None:
    from mplt.errors import storage_error
    from mplt.io import read_json, write_json
    from mplt.run.environment import refresh_local_models
    path = run_dir / "environment.json"
    if path.exists():
        try:
            write_json(path, refresh_local_models(read_json(path)))
        except Exception as e:
            if storage_error(e, run_dir) is None:
                raise
            # A full disk already failed the stage with one line; the old environment.json is kept.


def _banner(console, profile, run_dir, reason, seconds, lines) -> None:
    from rich.panel import Panel
    body = [f"[bold]profile[/] {profile.name} ({reason})",
            f"[bold]what[/]    {profile.run.description}",
            f"[bold]run dir[/] {run_dir}   [bold]logs[/] {run_dir}/logs/",
            f"[bold]stages[/]  {' > '.join(profile.run.stages)}"]
    if profile.dropped_langs:
        body.append(f"[yellow]toolchains not installed, languages dropped: {', '.join(profile.dropped_langs)}[/]")
    if profile.run.estimate:
        body.append(f"[bold]time[/]    {profile.run.estimate}")
    if "rehearse" not in profile.run.stages:
        body.append(f"[bold]estimate[/] ~{seconds / 60:.0f} min = sum over stages of work / rate:")
    else:
        body.insert(0, "[bold yellow]REHEARSAL[/]: the profile's settings with stand-in models and data")
    body += [f"  {line}" for line in lines]
    if profile.run.notes:
        body.append(f"[dim]{profile.run.notes}[/]")
    console.print(Panel("\n".join(body), title="mplt reproduce", expand=False))


def _finish(console, run_dir, outcome) -> None:
    from mplt.io import read_json
    results_path = run_dir / "report" / "results.json"
    if results_path.exists():
        from rich.table import Table
        figures = read_json(results_path).get("figures", {})
        table = Table(title="pass@1 (base -> fine-tuned)", title_justify="left")
        for column in ("language", "base", "fine-tuned", "delta", "95 % interval", "p (one-sided)"):
            table.add_column(column)
        from mplt.results.plots import ordered_languages
        langs = ordered_languages({k.rsplit(".", 1)[1] for k in figures if k.startswith("pass@1.")})
        for lang in langs:
            cells = [figures.get(f"pass@1.{v}.{lang}") for v in ("base", "finetuned", "delta")]
            low, high, p_value = (figures.get(f"pass@1.{v}.{lang}") for v in ("delta_low", "delta_high", "delta_p"))
            table.add_row(lang, *[f"{c:+.3f}" if i == 2 and c is not None else (f"{c:.3f}" if c is not None else "-")
                                  for i, c in enumerate(cells)],
                          f"[{low:+.3f}, {high:+.3f}]" if low is not None and high is not None else "-",
                          f"{p_value:.4f}" if p_value is not None else "-")
        if langs:
            console.print(table)
    check = outcome.summaries.get("check")
    if check is not None:
        from mplt.commands.check import print_rows
        # Every figure is in report/report.md and `reproduce.py check`; the run's screen ends with
        # the ones that failed and the verdict.
        print_rows(check["rows"], check["expected"], failures_only=True)
    console.print(verdict_line(run_dir, outcome))


def verdict_line(run_dir, outcome) -> str:
    """The last line: "check passed" only when a check ran, the report only when this run wrote it."""
    if outcome.exit_code == 0 and "rehearse" in outcome.summaries:
        verdict = "[bold green]REHEARSAL finished: every stage ran[/] (no check: random stand-in models)"
    elif outcome.exit_code == 0:
        verdict = ("[bold green]run finished, check passed[/]" if "check" in outcome.summaries
                   else "[bold green]run finished[/] (no check: not among this run's stages)")
    elif outcome.exit_code == 1:
        verdict = "[bold red]run finished, check FAILED[/]"
    else:
        verdict = "[bold red]run stopped by an error[/]"
    line = f"{verdict} in {outcome.seconds / 60:.1f} min"
    report = outcome.summaries.get("report", {}).get("report")
    if report:
        line += f"; report: {report}"
    return line
