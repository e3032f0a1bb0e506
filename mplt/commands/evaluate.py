"""`python reproduce.py eval`: sample completions, execute them in the sandbox, print pass@k.

    reproduce.py eval --model M --langs lua,rkt --benchmark multipl-e --n 20 --out DIR
    reproduce.py eval --model M ... --out DIR --generate-only     # GPU step only
    reproduce.py eval --out DIR --langs lua,rkt --execute-only    # CPU step on saved completions

Model-written programs run in the sandbox of `mplt.execution` (no network, resource limits; see its
docstring for what is not protected). Everything resumes: rerun the same command after an interruption.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "evaluate a model on MultiPL-E-style benchmarks: generate, execute, score pass@k"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mplt.commands.host_flags import add_host_arguments
    from mplt.generation.config import add_sampling_arguments

    parser.add_argument("--model", default="", help="registry key, Hub id or local directory")
    parser.add_argument("--revision", default=None, help="model revision (Hub)")
    parser.add_argument("--adapter", default=None, help="LoRA adapter directory")
    parser.add_argument("--load-in-4bit", action="store_true", help="load the model in 4-bit NF4")
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    parser.add_argument("--dtype", default="auto",
                        help="auto (bf16 on GPU, fp32 on CPU) | float32 | float64 | bfloat16")
    parser.add_argument("--langs", default=None,
                        help="comma-separated languages, or 'all' (default: all five; with --execute-only, "
                             "the languages of the saved run)")
    parser.add_argument("--benchmark", default="multipl-e",
                        help="multipl-e | paper-prompts | humaneval | mini | humaneval-infilling-single | "
                             "humaneval-infilling-multi (Python infilling: --langs py)")
    parser.add_argument("--protocol", default="multipl-e",
                        help="evaluation protocol (docs/generation.md): multipl-e (MultiPL-E v3.3, the default) | "
                             "paper (MultiPL-T's trainer: its prompt files, max_length 512, top_k 50, bf16)")
    parser.add_argument("--humaneval-path", default=None, help="local HumanEval JSONL(.gz) (humaneval benchmark), or a "
                        "human-eval-infilling file or directory (humaneval-infilling-*)")
    parser.add_argument("--multipl-e-path", default=None,
                        help="local MultiPL-E records: a JSONL(.gz) or a directory of humaneval-<lang>.jsonl "
                             "(--protocol paper: of the paper's files, e.g. humaneval-lua-reworded.jsonl)")
    add_sampling_arguments(parser)   # --n ... --seed and --backend, from mplt.generation.SamplingConfig
    parser.add_argument("--limit", type=int, default=None, help="first K problems per language")
    parser.add_argument("--workers", type=int, default=None, help="parallel programs (default: CPU count)")
    parser.add_argument("--timeout", type=float, default=None, dest="timeout_s",
                        help="seconds per program (default: the language's)")
    parser.add_argument("--out", required=True, help="output directory")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--generate-only", action="store_true", help="sample completions, do not execute")
    mode.add_argument("--execute-only", action="store_true", help="execute and score saved completions")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--cold", action="store_true",
                        help="run every program in a fresh interpreter (default: warm workers, docs/warm.md)")
    add_host_arguments(parser)


def default_langs(args: argparse.Namespace) -> str:
    """All five targets, or with --execute-only the languages the saved run generated."""
    saved = Path(args.out) / "config.json"
    if args.execute_only and saved.exists():
        from mplt.io import read_json
        langs = read_json(saved).get("langs")
        if isinstance(langs, list) and langs:
            return ",".join(map(str, langs))
    return "all"


def build_config(args: argparse.Namespace):
    from mplt.benchmarks import get_benchmark
    from mplt.errors import MpltError
    from mplt.evaluation import EvalConfig
    from mplt.evaluation.protocols import get_protocol
    from mplt.execution.limits import check_timeout
    from mplt.generation.config import sampling_from_arguments
    from mplt.langs import parse_languages

    # Only a missing --langs means the default: an empty one is a mistake, not "all languages".
    langs = tuple(lang.name for lang in parse_languages(default_langs(args) if args.langs is None else args.langs))
    if not langs:
        raise MpltError(f"--langs {args.langs!r} names no language; give e.g. lua,rkt or all")
    get_benchmark(args.benchmark)
    get_protocol(args.protocol, "eval --protocol")
    check_timeout(args.timeout_s, "eval --timeout")
    mode = "generate" if args.generate_only else "execute" if args.execute_only else "all"
    return EvalConfig(model=args.model, out=args.out, langs=langs, benchmark=args.benchmark, protocol=args.protocol,
                      revision=args.revision,
                      adapter=args.adapter, load_in_4bit=args.load_in_4bit, device=args.device, dtype=args.dtype,
                      humaneval_path=args.humaneval_path, multipl_e_path=args.multipl_e_path, limit=args.limit,
                      sampling=sampling_from_arguments(args, "eval"), workers=args.workers,
                      timeout_s=args.timeout_s, mode=mode)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from mplt.evaluation import evaluate
    from mplt.generation.config import identical_samples_warning
    from mplt.io import ensure_writable
    from mplt.run.lock import directory_lock
    from mplt.commands.host_flags import host_settings
    from mplt.settings import applied
    from mplt.scoring import print_table

    config = build_config(args)
    if config.mode != "execute" and config.sampling.backend == "auto":
        from dataclasses import replace

        from mplt.generation.engine import choose_engine
        engine = choose_engine()
        print(engine.line(), file=sys.stderr)
        config = replace(config, sampling=replace(config.sampling, backend=engine.engine))
    host = host_settings(args)     # the flags over the environment's defaults, one line when bad
    ensure_writable(config.out)
    with directory_lock(config.out, "eval", "--out"), applied(host):
        warning = identical_samples_warning(config.sampling, "eval") if config.mode != "execute" else None
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
        summary = evaluate(config, progress=not args.no_progress)
    languages = list(summary["languages"].values())
    if config.mode == "generate":
        for report in languages:
            Console().print(f"{report['language']}: {report['num_completions']} completions for "
                            f"{report['num_problems']} problems -> {report['completions_file']}")
        return 0
    print_table(languages, title=f"pass@k (%) — {config.out} (protocol {config.protocol})")
    for s in languages:
        notes = []
        if s.get("translation_skipped"):
            notes.append(f"{s['translation_skipped']} problems not translatable")
        if s.get("generation_skipped"):
            notes.append(f"{len(s['generation_skipped'])} prompts too long for the model")
        if s.get("num_missing"):
            notes.append(f"{s['num_missing']} problems without completions")
        if notes:
            Console().print(f"{s['language']}: " + "; ".join(notes))
    return 0
