"""The measurements of bench/gpu_check.py, each through mplt's own code on a randomly initialised model
of the real architecture (docs/gpu-check.md).

* `build_model`: StarCoderBase-1B's shapes (the registry's architecture, `mplt.models.standin`: GPTBigCode,
  multi-query attention, 8192 positions; 24 layers, hidden 2048, MLP 8192, 16 heads, vocabulary 49152
  from bigcode/starcoderbase-1b's config.json), or the stand-in's tiny size with `--tiny`. No download:
  the tokenizer is the stand-in's byte-level BPE widened to the real vocabulary (`widen_vocabulary`), so
  every id the model can sample decodes.
* `measure_hf`: `mplt.generation` (HFBackend, `stream_completions`) on `load_model` in bf16, or in 4-bit
  NF4 with a LoRA adapter, one batch of the stage's rows at its `max_new_tokens`.
* `check_vllm`: `mplt.generation.backends.vllm` with the base model and two adapters on one engine, then
  a fresh engine per adapter; plus the same workloads' rates on the shared engine.
* `measure_training`: `mplt.training.loop.finetune` (the finetune stage's loop) for two optimizer steps of
  a preset with a profile's settings; the second step's time and the peak GPU memory.
* `check_bnb_matmul`: a bitsandbytes NF4 `Linear4bit` against its dequantized weights.
* `measure_sandbox`: `mplt.execution.execute_all` on distinct Python programs, this machine's programs/s.
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

GIB = 2 ** 30


@dataclass(frozen=True)
class Shape:
    """The model shape: StarCoderBase-1B's (bigcode/starcoderbase-1b config.json) or a tiny one."""
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    vocab_size: int
    name: str


STARCODERBASE_1B = Shape(2048, 8192, 24, 16, 49152, "StarCoderBase-1B shapes")
TINY = Shape(128, 512, 2, 4, 2048, "tiny stand-in shapes")
PROMPT = "def {name}(values: list[int]) -> int:\n    \"\"\"Return the sum of the even values among {words}.\"\"\"\n"


def device_and_dtype() -> tuple[str, str]:
    """cuda and its bf16 (fp16 without bf16), else cpu in bf16: bitsandbytes' CPU 4-bit kernels compute
    in bf16, as the rehearsal does (mplt.rehearsal.profile.rehearsal_dtype)."""
    import torch
    if torch.cuda.is_available():
        return "cuda", "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return "cpu", "bfloat16"


def sync() -> None:
    import torch
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def reset_peak() -> None:
    import gc

    import torch
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak_gib() -> float | None:
    import torch
    return torch.cuda.max_memory_allocated() / GIB if torch.cuda.is_available() else None


def widen_vocabulary(tokenizer, size: int):
    """The BPE tokenizer with merges of two byte symbols appended until it has `size` tokens."""
    from tokenizers import Tokenizer, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    data = json.loads(tokenizer.backend_tokenizer.to_str())
    vocab, merges = data["model"]["vocab"], data["model"]["merges"]
    pairs = bool(merges) and isinstance(merges[0], list)
    symbols = sorted(pre_tokenizers.ByteLevel.alphabet())
    candidates = (a + b for a in symbols for b in symbols)
    while len(vocab) < size:
        token = next(candidates)
        if token not in vocab:
            vocab[token] = len(vocab)
            merges.append([token[0], token[1]] if pairs else f"{token[0]} {token[1]}")
    backend = Tokenizer.from_str(json.dumps(data))
    return PreTrainedTokenizerFast(tokenizer_object=backend, bos_token=tokenizer.eos_token,
                                   eos_token=tokenizer.eos_token, pad_token=tokenizer.pad_token, padding_side="left")


def build_model(out: Path, shape: Shape, device: str, seed: int = 0) -> dict:
    """A seeded random GPTBigCode of `shape` with the registry's architecture and context for
    starcoderbase-1b, saved with its tokenizer in `out`."""
    import torch
    from transformers import AutoModelForCausalLM

    from mplt.models.standin import StandinSize, architecture_of, model_config, train_standin_tokenizer
    from mplt.models.tiny import shipped_texts
    architecture, context = architecture_of("starcoderbase-1b")
    tokenizer = widen_vocabulary(train_standin_tokenizer(shipped_texts(), StandinSize(vocab_size=min(2048, shape.vocab_size))),
                                 shape.vocab_size)
    size = StandinSize(shape.hidden_size, shape.intermediate_size, shape.num_layers, shape.num_heads, shape.vocab_size)
    config = model_config(architecture, tokenizer, context, size)
    torch.manual_seed(seed)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16 if device == "cuda" else torch.float32)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    facts = {"architecture": architecture, "context": context, "vocab": len(tokenizer), "device": device,
             "parameters": sum(p.numel() for p in model.parameters())}
    del model
    reset_peak()
    return facts


def make_adapter(model_dir: Path, out: Path, seed: int, rank: int = 16) -> Path:
    """A LoRA adapter on GPTBigCode's linear layers with random (seeded) A and B, so that it changes
    completions (peft's default B = 0 would not)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16)
    lora = get_peft_model(model, LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=["c_attn", "c_proj", "c_fc"],
                                            init_lora_weights=False, task_type="CAUSAL_LM"))
    lora.save_pretrained(out)
    del model, lora
    return out


def prompts_for(count: int, tag: str) -> list[dict]:
    words = " ".join(f"item{i}" for i in range(40))
    return [{"id": f"{tag}-{i}", "prompt": PROMPT.format(name=f"f{i}", words=words), "stop_tokens": ["\n\n\n\n"]}
            for i in range(count)]


@dataclass(frozen=True)
class Workload:
    """One batch of a sampling stage: `batch` rows of (prompt, sample), n samples per prompt."""
    batch: int
    n: int
    max_new_tokens: int
    temperature: float
    top_p: float

    @property
    def prompts(self) -> int:
        return max(1, self.batch // self.n)

    def sampling(self, backend: str):
        from mplt.generation.config import SamplingConfig
        return SamplingConfig(n=self.n, temperature=self.temperature, top_p=self.top_p,
                              max_new_tokens=self.max_new_tokens, batch_size=self.batch, seed=0, backend=backend)


def timed_completions(backend, workload: Workload, tag: str) -> dict:
    """Sample one workload with `backend`; completions/s and generated tokens/s (tokens counted by the
    model's tokenizer on each completion)."""
    from mplt.generation import stream_completions
    config = workload.sampling(backend.name)
    prompts = prompts_for(workload.prompts, tag)
    sync()
    start = time.perf_counter()
    records = stream_completions(backend, prompts, config, progress=False)
    sync()
    seconds = time.perf_counter() - start
    tokenizer = backend.loaded.tokenizer if hasattr(backend, "loaded") else backend.tokenizer
    completions = [c for r in records for c in r["completions"]]
    tokens = sum(len(tokenizer(c)["input_ids"]) for c in completions)
    return {"seconds": seconds, "completions": len(completions), "completions_per_s": len(completions) / seconds,
            "tokens_per_s": tokens / seconds, "texts": [r["completions"] for r in records]}


def measure_hf(model_dir: Path, workload: Workload, dtype: str, four_bit: bool, adapter: Path | None) -> dict:
    """HFBackend at one workload, after a short warm-up; with its peak GPU memory."""
    from mplt.generation.backends.hf import HFBackend
    from mplt.models.load import load_model
    reset_peak()
    loaded = load_model(str(model_dir), adapter=str(adapter) if adapter else None, load_in_4bit=four_bit, dtype=dtype)
    backend = HFBackend(loaded)
    timed_completions(backend, Workload(1, 1, 2, workload.temperature, workload.top_p), "warmup")
    result = timed_completions(backend, workload, "hf")
    result.pop("texts")
    del backend, loaded
    return {**result, "peak_gib": peak_gib()}


def check_vllm(model_dir: Path, adapters: tuple[Path, Path], workloads: list[Workload], four_bit: bool,
               dtype: str, verify: bool = True) -> dict:
    """Base model and two adapters on one engine: each adapter's greedy completions differ from the other's
    and equal those of a fresh engine with only that adapter (`verify`). Rates of `workloads` on the
    shared engine: of the base model, or in 4-bit of the first adapter (the QLoRA profiles evaluate
    adapters on the 4-bit base)."""
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")   # the engine in this process
    from mplt.generation.backends import vllm as engine
    from mplt.generation.backends.base import ModelOptions
    cpu = device_and_dtype()[0] == "cpu"
    args = {"distributed_executor_backend": "uni", "enforce_eager": True} if cpu else {}
    greedy = Workload(4, 1, 16, 0.0, 1.0)
    options = [ModelOptions(model=str(model_dir), adapter=str(a), load_in_4bit=four_bit, dtype=dtype) for a in adapters]
    reset_peak()
    start = time.perf_counter()
    engine.plan_adapters([str(a) for a in adapters])
    base = engine.open_backend(ModelOptions(model=str(model_dir), load_in_4bit=four_bit, dtype=dtype), **args)
    startup = time.perf_counter() - start
    sampler = engine.open_backend(options[0]) if four_bit else base
    rates = {w: {k: v for k, v in timed_completions(sampler, w, "vllm").items() if k != "texts"} for w in workloads}
    if not verify:
        engine.close_engine()
        engine.plan_adapters([])
        return {"ok": True, "detail": "rates only", "startup_s": startup, "rates": rates}
    shared = [timed_completions(engine.open_backend(o), greedy, "greedy")["texts"] for o in options]
    base_texts = timed_completions(base, greedy, "greedy")["texts"]
    fresh = []
    for option in options:
        engine.close_engine()
        fresh.append(timed_completions(engine.open_backend(option, **args), greedy, "greedy")["texts"])
    engine.close_engine()
    engine.plan_adapters([])
    ok = shared[0] != shared[1] and shared == fresh and base_texts != shared[0]
    detail = ("each adapter's completions differ from the other's and from the base model's, and equal a "
              "fresh engine's" if ok else
              f"adapters differ: {shared[0] != shared[1]}; equal to fresh engines: {shared == fresh}; "
              f"differ from base: {base_texts != shared[0]}")
    return {"ok": ok, "detail": detail, "startup_s": startup, "rates": rates}


def training_documents(tokens_needed: int) -> list:
    """Our shipped texts, repeated until they hold about `tokens_needed` tokens (4 characters a token)."""
    from mplt.models.tiny import shipped_texts
    from mplt.training.data import Documents
    texts = [t for t in shipped_texts() if t.strip()]
    chars = sum(map(len, texts))
    copies = max(1, math.ceil(tokens_needed * 4 / max(1, chars)))
    return [Documents("lua", "gpu_check", tuple(texts) * copies)]


def measure_training(model_dir: Path, out: Path, preset: str, settings: dict, dtype: str) -> dict:
    """Two optimizer steps of `finetune` at `preset` + `settings`: the second step's seconds and
    tokens/s (from metrics.jsonl), and the peak GPU memory."""
    from mplt.training.config import resolve_config
    from mplt.training.loop import finetune
    overrides = {**settings, "model": str(model_dir), "data": ("gpu_check",), "max_steps": 2, "langs": ("lua",),
                 "eval_fraction": 0.0, "compute_dtype": dtype, "seed": 0}
    cfg = resolve_config(preset, overrides=overrides)
    documents = training_documents(3 * cfg.tokens_per_step + cfg.seq_len)
    reset_peak()
    result = finetune(cfg, out, documents, show_progress=False)
    steps = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if '"loss"' in line]
    step_tokens = steps[-1]["tokens"] - (steps[-2]["tokens"] if len(steps) > 1 else 0)
    seconds = step_tokens / steps[-1]["tokens_per_s"]
    trainable = sum(p.numel() for p in result.model.parameters() if p.requires_grad)
    adapter = result.adapter_dir
    del result
    return {"preset": preset, "settings": settings, "tokens_per_step": step_tokens, "seconds": seconds,
            "tokens_per_s": step_tokens / seconds, "peak_gib": peak_gib(), "trainable": trainable,
            "four_bit": cfg.load_in_4bit, "adapter": str(adapter) if adapter else None}


def check_bnb_matmul(device: str, size: int) -> dict:
    """A bitsandbytes NF4 Linear4bit on `device`: its output against the dequantized weights' matmul."""
    import bitsandbytes as bnb
    import torch
    torch.manual_seed(0)
    dtype = torch.bfloat16
    dense = torch.nn.Linear(size, size, bias=False, dtype=dtype)
    layer = bnb.nn.Linear4bit(size, size, bias=False, compute_dtype=dtype, quant_type="nf4")
    layer.weight = bnb.nn.Params4bit(dense.weight.data.clone(), requires_grad=False, quant_type="nf4")
    layer = layer.to(device)
    x = torch.randn(64, size, dtype=dtype, device=device)
    with torch.no_grad():
        layer(x)
        sync()
        start = time.perf_counter()
        out = layer(x)
        sync()
        seconds = time.perf_counter() - start
        weight = bnb.functional.dequantize_4bit(layer.weight.data, layer.weight.quant_state).to(dtype)
        expected = x @ weight.t()
    error = float((out.float() - expected.float()).abs().max() / expected.float().abs().max())
    return {"ok": error < 0.02, "relative_error": error, "seconds": seconds, "device": device, "size": size}


def measure_sandbox(programs: int, workers: int, scratch: Path) -> dict:
    """`execute_all` on `programs` distinct passing Python programs with `workers` workers."""
    from mplt.execution import isolation
    from mplt.execution.pool import execute_all
    jobs = [{"id": f"p{i}", "language": "py", "program": f"def f(x):\n    return x + {i}\n\nassert f(1) == {i + 1}\n"}
            for i in range(programs)]
    start = time.perf_counter()
    results = execute_all(jobs, scratch / "sandbox.jsonl", workers=workers, progress=False)
    seconds = time.perf_counter() - start
    passed = sum(r["status"] == "OK" for r in results)
    return {"programs_per_s": programs / seconds, "workers": workers, "passed": passed, "programs": programs,
            "mode": isolation.detect_mode()}
