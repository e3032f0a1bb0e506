"""Evaluation protocols: named, recorded sets of the settings that move pass@1 (docs/generation.md,
"Evaluation protocols"). A run names one (`protocol` in `[evaluate]`, `eval --protocol`); its
settings are applied over the run's sampling settings, and the run records the name and the
resolved settings, so a figure is only compared with figures made under the same protocol.

    multipl-e  MultiPL-E v3.3 from the Hub, 512 new tokens, top_p 0.95, stripped prompts: what MultiPL-E's
               own scripts do today (docs/method.md, section 6). The default; fixes nothing else.
    paper      MultiPL-T's trainer, which made the published 1B fine-tuned figures (MultiPL-T's
               training/code_llms/training/generate_for_evaluate.py): its prompt files, HF
               `generate(max_length=512)` counting the prompt, temperature 0.2 with top_p 1.0 and
               transformers' default top_k 50, the prompt as in the file, stop strings cut after
               generation, special tokens dropped when decoding, bf16 weights.

Registry: a plain dict keyed by stable names (docs/style.md, rule 3).
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from mplt.benchmarks.contract import DEFAULT_BENCHMARK
from mplt.errors import MpltError
from mplt.generation.config import SamplingConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Protocol:
    name: str
    description: str
    benchmark: str | None                         # the benchmark it fixes; None: the run's own
    sampling: tuple[tuple[str, Any], ...] = ()    # SamplingConfig fields it fixes
    dtype: str | None = None                      # the precision its published figures were made in
    source: str = ""


PROTOCOLS: dict[str, Protocol] = {
    "multipl-e": Protocol(
        "multipl-e", "MultiPL-E's own evaluation scripts (v3.3 prompts from the Hub)", None,
        (("top_k", 0), ("max_length", None), ("strip_prompt", True), ("skip_special_tokens", False)),
        None, "docs/method.md, section 6 (MultiPL-E's automodel.py and automodel_vllm.py)"),
    "paper": Protocol(
        "paper", "MultiPL-T's trainer, which made the published 1B fine-tuned figures", "paper-prompts",
        (("temperature", 0.2), ("top_p", 1.0), ("top_k", 50), ("max_new_tokens", 512), ("max_length", 512),
         ("strip_prompt", False), ("skip_special_tokens", True)),
        "bfloat16",
        "MultiPL-T's training/code_llms/training/generate_for_evaluate.py, training/code_llms/training/__init__.py "
        "(bf16 weights, 20 samples per prompt) and experiments/*_full_1b/train.py (the prompt files)"),
}


def get_protocol(name: str, where: str = "protocol") -> Protocol:
    if name not in PROTOCOLS:
        raise MpltError(f"{where}: unknown evaluation protocol {name!r}; known: {', '.join(PROTOCOLS)}")
    return PROTOCOLS[name]


def apply_protocol(name: str, sampling: SamplingConfig, benchmark: str, dtype: str,
                   where: str = "protocol") -> tuple[SamplingConfig, str, str]:
    """(sampling, benchmark, dtype) under protocol `name`. A setting the protocol fixes replaces the
    run's when the run left it at its default; a run that set it to something else is an error, so a
    profile cannot claim a protocol it does not follow. dtype "auto" becomes the protocol's; another
    dtype is kept (a CPU test may need float32) and the figures then do not count as the protocol's
    precision (mplt.results.check, `when`)."""
    protocol = get_protocol(name, where)
    defaults = SamplingConfig()
    changes = {}
    for key, value in protocol.sampling:
        mine = getattr(sampling, key)
        if mine != value and mine != getattr(defaults, key):
            raise MpltError(f"{where}: protocol {name!r} fixes {key} = {value!r}; the run sets {mine!r} "
                            f"(remove the setting, or choose another protocol: {', '.join(PROTOCOLS)})")
        changes[key] = value
    if protocol.benchmark and benchmark not in (protocol.benchmark, DEFAULT_BENCHMARK):
        raise MpltError(f"{where}: protocol {name!r} evaluates benchmark {protocol.benchmark!r}, the run names "
                        f"{benchmark!r} (remove the setting, or choose another protocol)")
    if protocol.dtype and dtype not in ("auto", protocol.dtype):
        log.warning("%s: protocol %r computes in %s; this run uses %s, so its figures are not checked against "
                    "the protocol's published ones", where, name, protocol.dtype, dtype)
    resolved_dtype = protocol.dtype if protocol.dtype and dtype == "auto" else dtype
    return dataclasses.replace(sampling, **changes), protocol.benchmark or benchmark, resolved_dtype


def protocol_record(name: str, sampling: SamplingConfig, benchmark: str, precision: str) -> dict:
    """The protocol block every run records (meta.json, summaries): its name, source, and the resolved
    settings the run actually sampled with."""
    protocol = get_protocol(name)
    return {"name": name, "source": protocol.source, "benchmark": benchmark, "precision": precision,
            "n": sampling.n, "temperature": sampling.temperature, "top_p": sampling.top_p, "top_k": sampling.top_k,
            "max_new_tokens": sampling.max_new_tokens, "max_length": sampling.max_length,
            "strip_prompt": sampling.strip_prompt, "skip_special_tokens": sampling.skip_special_tokens,
            "required_precision": protocol.dtype}
