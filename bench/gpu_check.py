"""GPU check: measure what the GPU profiles need on this GPU, and project their stage times.

    .venv/bin/python bench/gpu_check.py                      # on a CUDA machine: StarCoderBase-1B shapes
    .venv/bin/python bench/gpu_check.py --device cpu --tiny  # the CPU fallback (the test suite runs it)

No Hub access and nothing beyond torch, transformers, peft and bitsandbytes: the model is a randomly
initialised GPTBigCode built from StarCoderBase-1B's config (24 layers, hidden 2048, MLP 8192,
multi-query attention, 8192 positions, vocabulary 49152; the base model of `scaled`, `paper-1b-eval`
and `paper-1b-finetune`). Random weights give the same tensor shapes, kernels and memory as the
real checkpoint, not its outputs; EOS is disabled so every row generates exactly max_new_tokens.

MEASURED (printed): generation at each profile's batch size and max_new_tokens (completions/s,
generated tokens/s), the bf16 weights; one QLoRA optimizer step at each profile's training settings
(NF4 + double quantization, LoRA r16/alpha32 on all linear layers, gradient checkpointing, autocast
in the compute dtype), its time and the peak GPU memory.
PROJECTED (printed, not measured): GPU time per stage of each profile = work / measured rate. Work
counts use the same assumptions as mplt/run/estimate.py (functions surviving test generation,
tokens per item, 43k items per released language split). Every generation batch is counted at its
full max_new_tokens (an upper bound: stop sequences end rows early); sandboxed execution runs on
the CPU cores and is not included. Under 8 minutes on one GPU with the defaults.
"""
from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
import tomllib
from pathlib import Path

PROFILES = Path(__file__).resolve().parents[1] / "mplt" / "profiles"
# StarCoderBase-1B config.json (bigcode/starcoderbase-1b, model_type gpt_bigcode).
STARCODERBASE_1B = dict(vocab_size=49152, n_positions=8192, n_embd=2048, n_layer=24, n_head=16, n_inner=8192,
                        multi_query=True, activation_function="gelu_pytorch_tanh")
TINY = dict(vocab_size=512, n_positions=512, n_embd=64, n_layer=2, n_head=4, n_inner=256, multi_query=True,
            activation_function="gelu_pytorch_tanh")
# The qlora preset (mplt/training/config.py), under each profile's [finetune.settings].
QLORA = dict(seq_len=2048, micro_batch=4, grad_accum=2, epochs=3, lora_r=16, lora_alpha=32)
# As mplt/run/estimate.py: survival shares and sizes the profiles do not fix.
TESTGEN_KEPT, TRANSLATABLE, TOKENS_PER_ITEM, PUBLISHED_ITEMS, EVAL_PROBLEMS = 0.5, 0.8, 160, 43000, 161


def profile_settings(name: str) -> dict:
    return tomllib.loads((PROFILES / f"{name}.toml").read_text(encoding="utf-8"))


def generation_work(name: str, t: dict) -> list[tuple[str, int, int, int]]:
    """(stage, completions, batch size, max_new_tokens) for every generating stage of a profile."""
    stages, work = t["run"]["stages"], []
    functions = t.get("select", {}).get("max_functions", 0)
    if "testgen" in stages:
        tg = t["testgen"]
        work.append(("testgen", functions * tg["n"], tg["batch_size"], tg["max_new_tokens"]))
    if "translate" in stages:
        tr = t["translate"]
        rows = round(functions * TESTGEN_KEPT * TRANSLATABLE) * len(tr["languages"]) * tr["n"]
        work.append(("translate", rows, tr["batch_size"], tr["max_new_tokens"]))
    if "evaluate" in stages:
        ev = t["evaluate"]
        work.append(("evaluate", 2 * len(ev["langs"]) * EVAL_PROBLEMS * ev["n"], ev["batch_size"],
                     ev["max_new_tokens"]))
    return work


def training_work(name: str, t: dict) -> tuple[dict, int] | None:
    """(training settings, optimizer steps over all languages) of a profile's finetune stage."""
    if "finetune" not in t["run"]["stages"]:
        return None
    settings = {**QLORA, **{k: v for k, v in t["finetune"].get("settings", {}).items() if k in QLORA}}
    items = (t["select"]["max_functions"] * TESTGEN_KEPT if "dataset" in t["run"]["stages"] else PUBLISHED_ITEMS)
    windows = math.ceil(items * TOKENS_PER_ITEM / settings["seq_len"])
    steps = math.ceil(math.ceil(windows / settings["micro_batch"]) / settings["grad_accum"]) * settings["epochs"]
    return settings, steps * len(t["finetune"]["langs"])


def build_model(arch: dict, device: str, dtype):
    import torch
    from transformers import GPTBigCodeConfig, GPTBigCodeForCausalLM
    torch.manual_seed(0)
    config = GPTBigCodeConfig(**arch, bos_token_id=0, eos_token_id=0, pad_token_id=0)
    return GPTBigCodeForCausalLM(config).to(device=device, dtype=dtype).eval()


def measure_generation(model, batch: int, new_tokens: int, prompt_tokens: int, device: str) -> dict:
    import torch
    from transformers import GenerationConfig
    ids = torch.randint(1, model.config.vocab_size, (batch, prompt_tokens), device=device)
    config = GenerationConfig(do_sample=True, temperature=0.2, top_p=0.95, max_new_tokens=new_tokens,
                              min_new_tokens=new_tokens, eos_token_id=None, pad_token_id=0)
    with torch.no_grad():
        model.generate(input_ids=ids[:, :8], attention_mask=torch.ones_like(ids[:, :8]),
                       generation_config=GenerationConfig(**{**config.to_dict(), "max_new_tokens": 2,
                                                             "min_new_tokens": 2}))
        _sync(device)
        start = time.perf_counter()
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=config)
        _sync(device)
    seconds = time.perf_counter() - start
    made = (out.shape[1] - prompt_tokens) * batch
    return {"batch": batch, "new_tokens": new_tokens, "seconds": seconds, "completions_per_s": batch / seconds,
            "tokens_per_s": made / seconds}


def measure_qlora_step(weights_dir: Path, settings: dict, device: str) -> dict:
    """One warm-up and one timed optimizer step of 4-bit QLoRA at the profile's settings."""
    import torch
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig
    dtype = _dtype(device)
    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                               bnb_4bit_compute_dtype=dtype)
    model = AutoModelForCausalLM.from_pretrained(weights_dir, quantization_config=quant, device_map={"": device})
    model.config.use_cache = False
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True,
                                            gradient_checkpointing_kwargs={"use_reentrant": False})
    model = get_peft_model(model, LoraConfig(r=settings["lora_r"], lora_alpha=settings["lora_alpha"],
                                             lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM"))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4)
    vocab, shape = model.config.vocab_size, (settings["micro_batch"], settings["seq_len"])

    def step() -> float:
        for _ in range(settings["grad_accum"]):
            ids = torch.randint(1, vocab, shape, device=device)
            with torch.autocast(device_type=torch.device(device).type, dtype=dtype,
                                enabled=dtype != torch.float32):
                loss = model(input_ids=ids, labels=ids).loss.float()
            (loss / settings["grad_accum"]).backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())

    step()
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    _sync(device)
    start = time.perf_counter()
    loss = step()
    _sync(device)
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else float("nan")
    del model, optimizer
    return {**settings, "seconds": seconds, "peak_gib": peak, "loss": loss,
            "tokens_per_s": settings["micro_batch"] * settings["seq_len"] * settings["grad_accum"] / seconds}


def _dtype(device: str):
    import torch
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def _sync(device: str) -> None:
    import torch
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _clock(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    parser.add_argument("--tiny", action="store_true", help="a tiny GPTBigCode instead of StarCoderBase-1B's shapes "
                                                            "(the CPU fallback), with small batches and windows")
    parser.add_argument("--profiles", default="scaled,paper-1b-eval,paper-1b-finetune")
    parser.add_argument("--prompt-tokens", type=int, default=200, help="prompt length for generation (default 200)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch
    import transformers
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("no CUDA GPU (torch.cuda.is_available() is False); use --device cpu --tiny")
    started = time.perf_counter()
    arch = TINY if args.tiny else STARCODERBASE_1B
    profiles = {name: profile_settings(name) for name in args.profiles.split(",")}
    shrink = (lambda b, n: (min(b, 4), min(n, 8))) if args.tiny else (lambda b, n: (b, n))
    prompt = min(args.prompt_tokens, 16) if args.tiny else args.prompt_tokens
    model = build_model(arch, args.device, _dtype(args.device))
    params = sum(p.numel() for p in model.parameters())
    gpu = torch.cuda.get_device_name(torch.device(args.device)) if args.device.startswith("cuda") else "CPU"
    print(f"GPU check on {gpu}: randomly initialised GPTBigCode, {params / 1e6:.0f}M parameters "
          f"({'tiny config' if args.tiny else 'StarCoderBase-1B config'}), dtype {_dtype(args.device)}; "
          f"torch {torch.__version__}, CUDA build {torch.version.cuda}")
    gen: dict[tuple[int, int], dict] = {}
    for t in profiles.values():
        for _, _, batch, new in generation_work("", t):
            key = shrink(batch, new)
            if key not in gen:
                gen[key] = measure_generation(model, *key, prompt, args.device)
    print("\nMEASURED generation (prompt %d tokens, every row to max_new_tokens)" % prompt)
    print(f"{'batch':>6} {'new tokens':>10} {'seconds':>8} {'completions/s':>14} {'tokens/s':>10}")
    for g in gen.values():
        print(f"{g['batch']:>6} {g['new_tokens']:>10} {g['seconds']:>8.2f} {g['completions_per_s']:>14.2f} "
              f"{g['tokens_per_s']:>10.0f}")
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        model.save_pretrained(tmp)
        del model
        train: dict[tuple, dict] = {}
        for t in profiles.values():
            work = training_work("", t)
            if work is None:
                continue
            settings = dict(work[0], seq_len=64, micro_batch=2) if args.tiny else work[0]
            key = tuple(sorted(settings.items()))
            if key not in train:
                train[key] = measure_qlora_step(Path(tmp), settings, args.device)
    print("\nMEASURED QLoRA optimizer step (NF4, LoRA r16 all-linear, gradient checkpointing, autocast)")
    print(f"{'seq':>6} {'micro':>6} {'accum':>6} {'seconds':>8} {'tokens/s':>10} {'peak GiB':>9}")
    for s in train.values():
        peak = "-" if math.isnan(s["peak_gib"]) else f"{s['peak_gib']:.2f}"
        print(f"{s['seq_len']:>6} {s['micro_batch']:>6} {s['grad_accum']:>6} {s['seconds']:>8.2f} "
              f"{s['tokens_per_s']:>10.0f} {peak:>9}")
    print("\nPROJECTED GPU time per stage (work / measured rate; generation at full max_new_tokens, "
          "execution on CPU not included)")
    if args.tiny:
        print("(tiny config with shrunken batches and windows: these projections only exercise the script)")
    print(f"{'profile':<18} {'stage':<10} {'work':<44} {'time':>9}")
    for name, t in profiles.items():
        total = 0.0
        for stage, rows, batch, new in generation_work(name, t):
            g = gen[shrink(batch, new)]
            seconds = math.ceil(rows / g["batch"]) * g["seconds"]
            total += seconds
            what = f"{rows} completions, batches of {batch} x {new} tokens"
            print(f"{name:<18} {stage:<10} {what:<44} {_clock(seconds):>9}")
        work = training_work(name, t)
        if work is not None:
            settings, steps = work
            measured = train[tuple(sorted((dict(settings, seq_len=64, micro_batch=2) if args.tiny
                                           else settings).items()))]
            seconds = steps * measured["seconds"]
            total += seconds
            what = f"{steps} steps of {settings['micro_batch']}x{settings['grad_accum']}x{settings['seq_len']} tokens"
            print(f"{name:<18} {'finetune':<10} {what:<44} {_clock(seconds):>9}")
        print(f"{name:<18} {'total':<10} {'':<44} {_clock(total):>9}")
    print(f"\ngpu_check took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
