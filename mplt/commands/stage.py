"""`reproduce.py stage NAME --run-dir DIR [--config FILE.toml]`: run one stage of the registry
(mplt/stages/registry.py); its declared inputs must have finished in DIR."""
from __future__ import annotations

import argparse
import json

HELP = "run one stage (model, select, testgen, translate, dataset, finetune, ...) in a run directory"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mplt.commands.host_flags import add_host_arguments
    from mplt.stages.registry import STAGES
    parser.add_argument("name", help=f"stage name: {', '.join(STAGES)}")
    parser.add_argument("--run-dir", required=True, help="run directory (created if missing)")
    parser.add_argument("--config", help="TOML profile; the stage reads its own table, e.g. [select]")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--cold", action="store_true",
                        help="run every program in a fresh interpreter, whatever the profile's [run] execution")
    add_host_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mplt.config import load_toml
    from mplt.errors import MpltError
    from mplt.io import ensure_writable
    from mplt.run.lock import directory_lock
    from mplt.commands.host_flags import host_settings
    from mplt.settings import applied
    from mplt.stages.registry import get_stage, run_stage
    get_stage(args.name)     # an unknown name is one line, before the profile is read
    from mplt.run.profiles import expand, placeholder_values   # {run}, {data}, {repo} in profiles
    profile = expand(load_toml(args.config), placeholder_values(args.run_dir)) if args.config else {}
    table = profile.get(args.name, {})
    if not isinstance(table, dict):
        raise MpltError(f"{args.config}: [{args.name}] must be a table")
    run = profile.get("run", {})
    if not isinstance(run, dict):
        raise MpltError(f"{args.config}: [run] must be a table")
    # `[run] execution`, `sandbox`, ... apply to one stage as to the whole run (docs/environment.md).
    host = host_settings(args, run, f"{Path(args.config).name} [run]" if args.config else "")
    ensure_writable(args.run_dir)
    with directory_lock(args.run_dir, "stage", "--run-dir"), applied(host):
        summary = run_stage(args.name, Path(args.run_dir), table, progress=not args.no_progress,
                            source=Path(args.config).name if args.config else "")
    shown = {k: v for k, v in summary.items() if k not in ("funnel", "dropped")}
    print(json.dumps(shown, indent=2, default=str))
    return 0
