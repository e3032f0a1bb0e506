"""A fabricated run directory for the report and check tests.

FIXTURE DATA, NOT RESULTS: every number below is invented to exercise the collector, the report and the
check. The layout follows the run directory's layout and the stage modules' summaries.
"""
from __future__ import annotations

import json
from pathlib import Path

from mplt.io import write_json

FABRICATED_NOTE = "fabricated test fixture (tests/report/run_fixture.py), not a measurement"


def funnel(steps: list[tuple[str, int]]) -> dict:
    return {"funnel": [{"step": s, "count": c} for s, c in steps], "counts": dict(steps),
            "dropped": {"fixture reason": 1}}


def write_metrics(path: Path, losses: list[float], eval_every: int = 2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps({"step": 0, "epoch": 0, "eval_loss": losses[0] + 0.2}) + "\n")  # as mplt.training
        for step, loss in enumerate(losses, 1):
            f.write(json.dumps({"step": step, "loss": loss, "lr": 1e-4}) + "\n")
            if step % eval_every == 0:
                f.write(json.dumps({"step": step, "eval_loss": loss + 0.1}) + "\n")


def write_problem_results(path: Path, lang: str, counts: list[int], n: int = 10) -> None:
    """One record per problem, as mplt.scoring.summary.score_problem writes it (without programs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for i, c in enumerate(counts):
            f.write(json.dumps({"name": f"mini_{i}", "language": lang, "results": [], "n": n, "c": c,
                                "pass@1": c / n}) + "\n")


def build_run(run_dir: Path, profile: str = "smoke", evaluate: bool = True) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    # the layout of mplt.run.profiles.resolved_config (+ profile_reason, written by the runner)
    write_json(run_dir / "config.json", {
        "profile": profile, "profile_path": f"mplt/profiles/{profile}.toml",
        "run": {"description": f"fixture run ({FABRICATED_NOTE})", "estimate": "1 minute (fixture)",
                "seed": 0},
        "profile_reason": "chosen by the test", "dropped_langs": ["jl"],
        "select": {"source": "{data}/smoke_corpus", "seed": 0},
        "finetune": {"model": "tiny-local", "preset": "qlora", "seed": 1}})
    # the layout of mplt.run.environment.capture_environment
    write_json(run_dir / "environment.json", {
        "note": FABRICATED_NOTE, "packages": {"torch": "2.13.0", "transformers": "5.23.0"},
        "git": {"commit": "f" * 40, "dirty": False},
        "hardware": {"platform": "Linux-x86_64", "python": "3.11.7", "cpu": "Fixture CPU", "cpu_count": 2,
                     "memory_gb": 23.0, "gpu": {"available": False, "detail": "CPU only"}},
        "toolchains": [{"language": "lua", "found": True, "path": "/usr/bin/lua5.4", "version": "Lua 5.4.4"},
                       {"language": "jl", "found": False, "path": None, "version": None}],
        "sandbox": "bubblewrap", "hub_offline": True, "seeds": {"select": 0, "finetune": 1},
        "models": [{"id": "/run/model", "revision": "local", "commit": None, "how": "local directory"}],
        "datasets": []})
    write_json(run_dir / "select/summary.json", {
        "stage": "select", "functions": 30, "seconds": 1.5,
        **funnel([("documents", 100), ("docstring_first", 60), ("self_contained", 35), ("selected", 30)])})
    write_json(run_dir / "testgen/summary.json", {
        "stage": "testgen", "functions": 20, "seconds": 12.0,
        **funnel([("functions_in", 30), ("with_assertions", 26), ("with_passing_test", 22),
                  ("with_coverage", 20), ("typed", 17)])})
    # as mplt.pipeline.translate writes it: flat counts per language
    write_json(run_dir / "translate/summary.json", {"stage": "translate", "functions_in": 20, "seconds": 30.0,
                                                     "languages": {
        lang: {"functions_in": 20, "translatable": t, "skipped": {"no types": 20 - t}, "completions": 4 * t,
               "passed_completions": 2 * p, "statuses": {"OK": 2 * p, "Failure": 4 * t - 2 * p}, "with_pass": p}
        for lang, t, p in (("lua", 20, 12), ("rkt", 20, 6), ("ml", 17, 4))}})
    write_json(run_dir / "dataset/summary.json", {"stage": "dataset", "seconds": 2.0, "languages": [
        {"language": lang, **funnel([("functions_in", 20), ("with_tests", 20), ("with_coverage", 20),
                                     ("translatable", t), ("with_passing", p), ("items_out", o)])}
        for lang, t, p, o in (("lua", 20, 12, 15), ("racket", 20, 6, 7), ("ocaml", 17, 4, 4))]})
    write_metrics(run_dir / "finetune/metrics.jsonl", [3.0, 2.6, 2.2, 1.9, 1.7, 1.6])
    write_json(run_dir / "finetune/summary.json", {"stage": "finetune", "seconds": 95.0})
    (run_dir / "finetune/README.md").write_text(f"model card ({FABRICATED_NOTE})\n")
    if evaluate:
        # per problem, n = 10 samples: Lua gains 0.2 on 9 of 18 problems (exact sign-flip p = 1/512),
        # Racket gains 0.9 on one problem (p = 1/2), OCaml loses 0.1 on 9 (p = 1)
        counts = {"lua": ([2] * 18, [4] * 9 + [2] * 9), "rkt": ([1] * 9 + [0] * 9, [10] + [1] * 8 + [0] * 9),
                  "ml": ([1] * 18, [1] * 9 + [0] * 9)}
        for lang, per_variant in counts.items():
            for variant, cs in zip(("base", "finetuned"), per_variant):
                write_problem_results(run_dir / f"evaluate/{variant}/{lang}/results.jsonl", lang, cs)
        write_json(run_dir / "evaluate/base/summary.json", {"results": [
            {"language": lang, "pass@1": sum(cs[0]) / 180, "num_problems": 18, "n": 10, "temperature": 0.2,
             "model": "tiny-local", "revision": "fixture", "benchmark": "mini"} for lang, cs in counts.items()]})
        for lang, cs in counts.items():
            write_json(run_dir / f"evaluate/finetuned/{lang}/summary.json", {
                "pass@k": {"1": sum(cs[1]) / 180}, "num_problems": 18, "n": 10, "temperature": 0.2,
                "model": "tiny-local", "adapter": "finetune/adapter", "benchmark": "mini"})
    (run_dir / "logs").mkdir(exist_ok=True)
    return run_dir


def write_expected(path: Path, figures: dict, profile: str = "smoke") -> Path:
    write_json(path, {"format": "mplt-expected-results/1", "profile": profile,
                      "description": FABRICATED_NOTE, "figures": figures})
    return path
