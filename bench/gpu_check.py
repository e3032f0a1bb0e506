"""GPU check: mplt's own code at every GPU profile's settings on this machine, then a verdict per profile.

    .venv/bin/python bench/gpu_check.py            # on a CUDA machine: StarCoderBase-1B shapes (< 10 min aimed)
    .venv/bin/python bench/gpu_check.py --tiny     # CPU, tiny model, cut workloads (the test suite runs it)

What it reads: every profile in mplt/profiles/ with `needs_gpu = true` (their sampling tables, their
finetune preset and settings, their sample counts and stated time), and every preset of
mplt.training.config.PRESETS. What it measures (bench/gpu_measure.py, docs/gpu-check.md): HF generation in
bf16 and in 4-bit NF4 with an adapter at each profile's batch and lengths; vLLM with the base model and two
adapters on one engine against a fresh engine per adapter; two optimizer steps of each preset; a
bitsandbytes 4-bit matmul; sandboxed programs/s. Then one table: projected time per stage and profile
(work counts as mplt/run/estimate.py counts them, divided by the measured rates) and a verdict:
fits, does not fit (a part ran out of memory or failed), too slow (more than --slack times the
profile's stated hours). Exit 1 when a profile would not run as stated.

Random weights give the real shapes, kernels and memory, not the real outputs: rows run to
max_new_tokens (an upper bound on generation time; real completions stop earlier).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gpu_measure as measure  # noqa: E402
from gpu_project import clock, key, profile_parts, project, stated_hours, verdict  # noqa: E402,F401

STAGES_SAMPLING = ("testgen", "translate", "evaluate")
TINY_LIMITS = {"batch": 4, "n": 2, "max_new_tokens": 8, "seq_len": 64, "micro_batch": 2, "grad_accum": 2}


def gpu_profiles(run_dir: Path) -> dict:
    """name -> loaded Profile for every profile that needs a GPU (a new one is picked up)."""
    from mplt.run.profiles import list_profiles, load_profile
    profiles = {}
    for name in list_profiles():
        profile = load_profile(name, run_dir, filter_langs=False)
        if profile.run.needs_gpu:
            profiles[name] = profile
    return profiles


def workload(config, tiny: bool, sampling=None) -> measure.Workload:
    sampling = sampling or config.sampling
    batch, n, new = sampling.batch_size, sampling.n, sampling.max_new_tokens
    if tiny:
        batch, n, new = (min(batch, TINY_LIMITS["batch"]), min(n, TINY_LIMITS["n"]),
                         min(new, TINY_LIMITS["max_new_tokens"]))
    return measure.Workload(batch, n, new, sampling.temperature, sampling.top_p)


def training_settings(table: dict, tiny: bool) -> dict:
    settings = dict(table.get("settings") or {})
    if tiny:
        settings.update({k: min(settings.get(k, TINY_LIMITS[k]), TINY_LIMITS[k])
                         for k in ("seq_len", "micro_batch", "grad_accum")})
        settings.update(seq_len=TINY_LIMITS["seq_len"], gradient_checkpointing=settings.get("gradient_checkpointing", True))
    return settings


def plan(profiles: dict, tiny: bool) -> dict:
    """What each profile needs measured: its sampling workloads (stage -> Workload, 4-bit or not) and
    its training (preset, settings)."""
    from mplt.run.profiles import stage_config
    out = {}
    for name, profile in profiles.items():
        stages = set(profile.run.stages)
        sampling = {s: workload(stage_config(profile, s), tiny) for s in STAGES_SAMPLING if s in stages}
        four_bit_eval = False
        training = None
        if "finetune" in stages:
            table = profile.table("finetune")
            training = (table.get("preset", "qlora"), training_settings(table, tiny))
            cfg = stage_config(profile, "finetune").train_config()
            four_bit_eval = cfg.load_in_4bit and "evaluate" in stages
        lesson, four_bit_lesson = None, False
        if "infill-lesson" in stages:   # two fine-tunes and (1 + fim rates) models on two benchmarks
            config = stage_config(profile, "infill-lesson")
            table = profile.table("infill-lesson")
            training = (table.get("preset", "qlora"), training_settings(table, tiny))
            lesson = {"left_to_right": workload(config, tiny),
                      "infilling": workload(config, tiny, config.infill_sampling())}
            four_bit_lesson = config.train_config(0.0).load_in_4bit
        out[name] = {"sampling": sampling, "four_bit_eval": four_bit_eval, "training": training,
                     "lesson": lesson, "four_bit_lesson": four_bit_lesson}
    return out


def run_part(parts: dict, name: str, function, *args, traceback_on: bool = False) -> dict:
    """Run one measurement; a failure is recorded with its one-line cause, never fatal."""
    start = time.perf_counter()
    try:
        result = function(*args)
    except Exception as e:  # noqa: BLE001 - every failure is a finding of the check
        cause = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        oom = "out of memory" in str(e).lower() or type(e).__name__ == "OutOfMemoryError"
        result = {"error": f"{type(e).__name__}: {cause}"[:300], "oom": oom}
        if traceback_on:
            traceback.print_exc()
    result["wall_s"] = time.perf_counter() - start
    parts[name] = result
    status = result.get("error") or "ok"
    print(f"  {name}: {status} ({result['wall_s']:.1f} s)", flush=True)
    return result


def measure_all(plans: dict, args, tmp: Path) -> dict:
    """Every measurement the plans need, each once; returns name -> result."""
    from mplt.training.config import PRESETS
    device, dtype = measure.device_and_dtype()
    shape = measure.TINY if args.tiny else measure.STARCODERBASE_1B
    parts: dict = {}
    tb = args.traceback
    model_dir = tmp / "model"
    facts = run_part(parts, "model", measure.build_model, model_dir, shape, device, traceback_on=tb)
    if "error" in facts:
        return parts
    print(f"model: random GPTBigCode, {facts['parameters'] / 1e6:.0f}M parameters ({shape.name}, vocabulary "
          f"{facts['vocab']}, context {facts['context']}), {device}, {dtype}", flush=True)
    adapters = tuple(measure.make_adapter(model_dir, tmp / f"adapter{i}", seed=i) for i in (1, 2))
    run_part(parts, "sandbox", measure.measure_sandbox, 8 if args.tiny else 64, os.cpu_count() or 1, tmp,
             traceback_on=tb)
    run_part(parts, "bnb 4-bit matmul", measure.check_bnb_matmul, device, 256 if args.tiny else 4096, traceback_on=tb)
    # training: each profile's (preset, settings), and each preset no profile uses, at its own settings
    wanted = {key(t): t for p in plans.values() if (t := p["training"])}
    used = {preset for preset, _ in wanted.values()}
    for preset in PRESETS:
        if preset not in used:
            settings = training_settings({}, args.tiny)
            wanted[key((preset, settings))] = (preset, settings)
    for k, (preset, settings) in wanted.items():
        run_part(parts, f"train {k}", measure.measure_training, model_dir, tmp / f"train-{len(parts)}",
                 preset, settings, dtype, traceback_on=tb)
    workloads = {key(w): w for p in plans.values() for w in p["sampling"].values()}
    for k, w in workloads.items():
        run_part(parts, f"hf bf16 {k}", measure.measure_hf, model_dir, w, dtype, False, None, traceback_on=tb)
    eval_4bit = {key(p["sampling"]["evaluate"]): p["sampling"]["evaluate"] for p in plans.values()
                 if p["four_bit_eval"] and "evaluate" in p["sampling"]}
    for k, w in eval_4bit.items():
        run_part(parts, f"hf 4-bit+adapter {k}", measure.measure_hf, model_dir, w, dtype, True, adapters[0],
                 traceback_on=tb)
    for p in plans.values():   # the infill lesson's evaluations: on the 4-bit base + adapter where it trains so
        for w in (p.get("lesson") or {}).values():
            four_bit = p["four_bit_lesson"]
            name = f"hf {'4-bit+adapter' if four_bit else 'bf16'} {key(w)}"
            if name not in parts:
                run_part(parts, name, measure.measure_hf, model_dir, w, dtype, four_bit,
                         adapters[0] if four_bit else None, traceback_on=tb)
    if args.skip_vllm:
        parts["vllm"] = {"skipped": "--skip-vllm"}
    elif (reason := vllm_unavailable()) is not None:
        parts["vllm"] = {"skipped": reason}
    else:
        run_part(parts, "vllm", measure.check_vllm, model_dir, adapters, list(workloads.values()), False,
                 "auto" if device == "cuda" else "float32", traceback_on=tb)
        if eval_4bit and device == "cuda":
            run_part(parts, "vllm 4-bit", measure.check_vllm, model_dir, adapters, list(eval_4bit.values()), True,
                     "auto", False, traceback_on=tb)
        elif eval_4bit:
            parts["vllm 4-bit"] = {"skipped": "vLLM's bitsandbytes 4-bit runs on CUDA only"}
    return parts


def vllm_unavailable() -> str | None:
    try:
        import vllm  # noqa: F401
    except ImportError as e:
        return f"vllm is not importable ({e}): pip install -e .[vllm]"
    except RuntimeError as e:
        return f"vllm fails to import ({str(e).splitlines()[0]})"
    return None


def print_measured(parts: dict) -> None:
    print("\nMEASURED (mplt's own code; random weights, rows run to max_new_tokens)")
    print(f"{'part':<58} {'result':<44} {'peak GiB':>8} {'wall':>7}")
    for name, r in parts.items():
        if name == "model":
            continue
        if "skipped" in r:
            result = f"skipped: {r['skipped']}"
        elif "error" in r:
            result = f"ERROR {r['error']}"
        elif "completions_per_s" in r:
            result = f"{r['completions_per_s']:.2f} completions/s, {r['tokens_per_s']:.0f} tokens/s"
        elif "tokens_per_step" in r:
            result = f"{r['seconds']:.2f} s/step, {r['tokens_per_s']:.0f} tokens/s"
        elif "programs_per_s" in r:
            result = f"{r['programs_per_s']:.1f} programs/s ({r['workers']} workers, {r['mode']}, {r['passed']}/{r['programs']} OK)"
        elif "relative_error" in r:
            result = f"{'ok' if r['ok'] else 'WRONG'}: relative error {r['relative_error']:.4f} ({r['device']})"
        else:
            result = f"{'ok' if r.get('ok') else 'FAILED'}: {r.get('detail', '')}"
        peak = f"{r['peak_gib']:.2f}" if isinstance(r.get("peak_gib"), float) else "-"
        print(f"{name[:58]:<58} {result[:200]:<44} {peak:>8} {r.get('wall_s', 0):>6.1f}s")
        if "rates" in r:
            for w, rate in r["rates"].items():
                print(f"  {'vllm ' + key(w):<56} {rate['completions_per_s']:.2f} completions/s, {rate['tokens_per_s']:.0f} tokens/s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny model and cut workloads (CPU; the test suite)")
    parser.add_argument("--skip-vllm", action="store_true", help="leave out the vLLM checks")
    parser.add_argument("--memory-gib", type=float, default=None,
                        help="the GPU memory a profile must fit in (default: this GPU's)")
    parser.add_argument("--slack", type=float, default=1.5,
                        help="too slow: projected time above SLACK x the profile's stated hours (default 1.5)")
    parser.add_argument("--profiles", default="", help="only these GPU profiles (comma-separated; default: all)")
    parser.add_argument("--traceback", action="store_true", help="print the traceback of a failing part")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    warnings.filterwarnings("ignore", category=FutureWarning)   # bitsandbytes' notes on torch internals
    import torch
    import transformers
    transformers.utils.logging.set_verbosity_error()
    if not torch.cuda.is_available() and not args.tiny:
        parser.error("no CUDA GPU (torch.cuda.is_available() is False); use --tiny on CPU")
    memory = args.memory_gib or (torch.cuda.get_device_properties(0).total_memory / measure.GIB
                                 if torch.cuda.is_available() else None)
    started = time.perf_counter()
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU (CPU)"
    print(f"GPU check on {gpu}; torch {torch.__version__} (CUDA build {torch.version.cuda}); "
          f"memory limit {f'{memory:.1f} GiB' if memory else 'none (CPU)'}", flush=True)
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        profiles = gpu_profiles(Path(tmp) / "run")
        wanted = [p.strip() for p in args.profiles.split(",") if p.strip()]
        unknown = sorted(set(wanted) - set(profiles))
        if unknown:
            parser.error(f"--profiles: {', '.join(unknown)} not among the GPU profiles ({', '.join(profiles)})")
        profiles = {k: v for k, v in profiles.items() if not wanted or k in wanted}
        plans = plan(profiles, args.tiny)
        parts = measure_all(plans, args, Path(tmp))
    print_measured(parts)
    print("\nPROJECTED per stage = work / measured rate (generation at full max_new_tokens; execution on this "
          "machine's sandbox rate)" + ("; TINY: the rates are a tiny model's, so the times only exercise the "
                                       "arithmetic" if args.tiny else ""))
    print(f"{'profile':<20} {'stage':<10} {'engine':<14} {'work':<56} {'time':>9}")
    verdicts = {}
    for name, profile in profiles.items():
        rows = project(name, profile, plans[name], parts)
        for r in rows:
            print(f"{name:<20} {r['stage']:<10} {r['engine']:<14} {r['work'][:56]:<56} {clock(r['seconds']):>9}")
        used = [{"name": n, **parts[n]} for n in profile_parts(profile, plans[name], parts) if "skipped" not in parts[n]]
        stated = stated_hours(profile.run.estimate)
        peaks = [u["peak_gib"] for u in used if isinstance(u.get("peak_gib"), float)]
        verdicts[name] = (rows, *verdict(rows, used, stated, memory, args.slack, not args.tiny), stated,
                          max(peaks) if peaks else None)
    # The peak is what torch allocated (HF generation, training); vLLM reserves its own share of the GPU.
    print(f"\n{'profile':<20} {'projected':>10} {'stated':>8} {'peak GiB':>9} {'verdict':<13} why")
    for name, (rows, result, why, stated, peak) in verdicts.items():
        total = clock(sum(r["seconds"] or 0 for r in rows))
        print(f"{name:<20} {total:>10} {(f'{stated:g} h' if stated else '-'):>8} "
              f"{(f'{peak:.1f}' if peak is not None else '-'):>9} {result:<13} {why}")
    print(f"\ngpu_check took {time.perf_counter() - started:.0f} s")
    return 0 if all(v[1] == "fits" for v in verdicts.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
