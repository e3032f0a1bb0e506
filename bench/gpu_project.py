"""bench/gpu_check.py's projection and verdicts: work per stage as mplt/run/estimate.py counts it (its
shares and sizes), divided by the rates bench/gpu_measure.py measured, and a verdict per profile
(docs/gpu-check.md).
"""
from __future__ import annotations

import re

from gpu_measure import Workload

VERDICTS = ("fits", "does not fit", "too slow", "failed")


def key(value) -> str:
    """A short, stable label: a Workload as batch/n/length/temperature, a (preset, settings) pair as
    the preset and its settings."""
    if isinstance(value, Workload):
        return f"batch {value.batch} n {value.n} new {value.max_new_tokens} T {value.temperature:g}"
    preset, settings = value
    shown = " ".join(f"{k}={v}" for k, v in sorted(settings.items()) if k != "seed")
    return f"{preset} {shown or '(preset settings)'}"


def stated_hours(text: str) -> float | None:
    """The hours a profile's `estimate` states ("about 2 hours", "2-3 hours", "1.7 hours"), the upper
    figure of a range; None when it states none ("many hours")."""
    match = re.search(r"(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?\s*h(?:ours?)?\b", text or "")
    if not match:
        return None
    return float(match.group(2) or match.group(1))


def engine_for(profile, stage: str, parts: dict, four_bit: bool) -> str:
    """The engine a stage samples with: its backend, "auto" resolved as a run would (vLLM where it runs)."""
    backend = profile.table(stage).get("backend", "hf")
    vllm_part = parts.get("vllm 4-bit" if four_bit else "vllm", {})
    if backend == "auto":   # mplt.generation.engine: vLLM only with a CUDA GPU
        return "vllm" if vllm_part.get("ok") and on_gpu(parts) else "hf"
    return backend


def on_gpu(parts: dict) -> bool:
    return parts.get("model", {}).get("device") == "cuda"


def generation_rate(parts: dict, engine: str, w, four_bit: bool) -> dict:
    if engine == "vllm":
        return parts.get("vllm 4-bit" if four_bit else "vllm", {}).get("rates", {}).get(w, {"error": "not measured"})
    return parts.get(f"hf {'4-bit+adapter' if four_bit else 'bf16'} {key(w)}", {"error": "not measured"})


def project(name: str, profile, p: dict, parts: dict) -> list[dict]:
    """One row per stage: work, engine, projected seconds (None when a part it needs failed), parts used."""
    from mplt.run.estimate import PUBLISHED_ITEMS, SHARES, eval_problems
    stages = tuple(profile.run.stages)
    functions = profile.table("select").get("max_functions") or 40
    kept = functions * SHARES["testgen_kept"]
    sandbox = parts.get("sandbox", {})
    rows = []
    for stage in stages:
        if stage in p["sampling"]:
            w, table = p["sampling"][stage], profile.table(stage)
            n = table.get("n", w.n)
            if stage == "testgen":
                completions = functions * n
            elif stage == "translate":
                langs = len(table.get("languages") or table.get("langs") or [])
                completions = round(kept * SHARES["translatable"]) * langs * n
            else:
                problems = eval_problems(table)
                models = len(table.get("variants", ["base", "finetuned"])) + extra_epoch_models(profile, p, stages)
                completions = models * len(table.get("langs", [])) * problems * n
            four_bit = stage == "evaluate" and p["four_bit_eval"]
            engine = engine_for(profile, stage, parts, four_bit)
            rate = generation_rate(parts, engine, w, four_bit)
            seconds = None
            if "error" not in rate and "error" not in sandbox and "programs_per_s" in sandbox:
                seconds = completions / rate["completions_per_s"] + completions / sandbox["programs_per_s"]
            rows.append({"stage": stage, "engine": engine + (" 4-bit" if four_bit else ""), "seconds": seconds,
                         "work": f"{completions} completions of <= {w.max_new_tokens} tokens, each executed"})
        elif stage == "finetune" and p["training"]:
            preset, settings = p["training"]
            train = parts.get(f"train {key(p['training'])}", {"error": "not measured"})
            table = profile.table("finetune")
            langs = len(table.get("langs", [])) or 1
            docs = settings.get("sample_docs") or settings.get("max_docs") or (kept * SHARES["items_per_function"] if "dataset" in stages
                                                else PUBLISHED_ITEMS)
            from mplt.training.config import resolve_config
            epochs = resolve_config(preset, overrides={**settings, "model": "m", "data": ("d",)}).epochs
            tokens = docs * SHARES["tokens_per_item"] * epochs * langs
            seconds = tokens / train["tokens_per_s"] if "tokens_per_s" in train else None
            rows.append({"stage": stage, "engine": f"preset {preset}", "seconds": seconds,
                         "work": f"{docs:.0f} items x {epochs} epochs x {langs} languages"})
        elif stage == "infill-lesson" and p.get("lesson"):
            rows += lesson_rows(profile, p, parts)
    return rows


def lesson_rows(profile, p: dict, parts: dict) -> list[dict]:
    """The `infill-lesson` stage (mplt/infill/lesson.py): one fine-tune per fim rate, then the base and
    every fine-tune on the left-to-right and the infilling benchmark, each completion executed."""
    from mplt.benchmarks import get_benchmark
    from mplt.run.estimate import DEFAULT_PROBLEMS, PUBLISHED_ITEMS, SHARES
    from mplt.training.config import resolve_config
    table, sandbox = profile.table("infill-lesson"), parts.get("sandbox", {})
    rates = len(table.get("fim_rates", [0.0, 0.5]))
    preset, settings = p["training"]
    train = parts.get(f"train {key(p['training'])}", {"error": "not measured"})
    docs = settings.get("sample_docs") or settings.get("max_docs") or PUBLISHED_ITEMS
    epochs = resolve_config(preset, overrides={**settings, "model": "m", "data": ("d",)}).epochs
    tokens = docs * SHARES["tokens_per_item"] * epochs * rates
    rows = [{"stage": "infill-lesson", "engine": f"preset {preset}",
             "seconds": tokens / train["tokens_per_s"] if "tokens_per_s" in train else None,
             "work": f"{docs:.0f} items x {epochs} epochs x {rates} fim rates"}]
    four_bit = p["four_bit_lesson"]
    engine = engine_for(profile, "infill-lesson", parts, four_bit)
    for kind, w in p["lesson"].items():
        infilling = kind == "infilling"
        benchmark = table.get("infill_benchmark" if infilling else "benchmark", "multipl-e")
        problems = table.get("limit") or get_benchmark(benchmark).problems or DEFAULT_PROBLEMS
        n = (table.get("infill_n") if infilling else None) or table.get("n", w.n)
        completions = (1 + rates) * problems * n
        rate = generation_rate(parts, engine, w, four_bit)
        seconds = None
        if "error" not in rate and "programs_per_s" in sandbox:
            seconds = completions / rate["completions_per_s"] + completions / sandbox["programs_per_s"]
        rows.append({"stage": "infill-lesson", "engine": engine + (" 4-bit" if four_bit else ""), "seconds": seconds,
                     "work": f"{kind}: {completions} completions of <= {w.max_new_tokens} tokens, each executed"})
    return rows


def extra_epoch_models(profile, p: dict, stages: tuple) -> int:
    """A full fine-tune's model is evaluated after every epoch (mplt/evaluation/stage.py), not only the last."""
    if "finetune" not in stages or not p["training"] or profile.table("evaluate").get("finetuned_model"):
        return 0
    from mplt.training.config import resolve_config
    preset, settings = p["training"]
    config = resolve_config(preset, overrides={**settings, "model": "m", "data": ("d",)})
    return config.epochs - 1 if config.finetune == "full" else 0


def profile_parts(profile, p: dict, parts: dict) -> list[str]:
    names = []
    for stage, w in p["sampling"].items():
        four_bit = stage == "evaluate" and p["four_bit_eval"]
        engine = engine_for(profile, stage, parts, four_bit)
        names.append(("vllm 4-bit" if four_bit else "vllm") if engine == "vllm"
                     else f"hf {'4-bit+adapter' if four_bit else 'bf16'} {key(w)}")
        backend = profile.table(stage).get("backend")
        if backend == "vllm" or (backend == "auto" and on_gpu(parts)):
            # where vllm imports, a run samples with it ("auto"): its adapter check counts too
            names += ["vllm"] + (["vllm 4-bit"] if four_bit else [])
    for w in (p.get("lesson") or {}).values():
        names.append(f"hf {'4-bit+adapter' if p['four_bit_lesson'] else 'bf16'} {key(w)}")
    if p["training"]:
        names.append(f"train {key(p['training'])}")
        names.append("bnb 4-bit matmul")
    return sorted(set(n for n in names if n in parts) | {"sandbox"})


def verdict(rows: list[dict], used: list[dict], stated: float | None, memory_gib: float | None,
            slack: float, timed: bool) -> tuple[str, str]:
    """(verdict, why) from the profile's projected rows and the measurements it relies on."""
    ooms = [u["name"] for u in used if u.get("oom") or (memory_gib and (u.get("peak_gib") or 0) > memory_gib)]
    if ooms:
        return "does not fit", f"out of memory ({memory_gib or '?'} GiB): {', '.join(ooms)}"
    failed = [f"{u['name']}: {u.get('error') or u.get('detail')}" for u in used
              if u.get("error") or u.get("ok") is False]
    if failed:
        return "failed", "; ".join(failed)
    total = sum(r["seconds"] or 0 for r in rows)
    if timed and stated is not None and total > slack * stated * 3600:
        return "too slow", f"{total / 3600:.1f} h projected > {slack} x the stated {stated:g} h"
    return "fits", "" if timed else "tiny model: times exercise the projection only"


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"
