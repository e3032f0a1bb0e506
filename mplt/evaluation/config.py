"""The evaluation settings (docs/style.md, rule 4): CLI flags of `eval` map one-to-one onto these fields.

`EvaluationSettings` declares once what `reproduce.py eval` (`EvalConfig`) and the `evaluate` stage
(`mplt.evaluation.stage.EvaluateStageConfig`) share: the benchmark and its local copy, the protocol,
the languages, the precision and the execution limits. Both configs extend it, so a profile's
`[evaluate]` keys and `eval`'s flags stay flat and a field is declared in one place.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from mplt.benchmarks.contract import DEFAULT_BENCHMARK
from mplt.config import flat
from mplt.errors import MpltError
from mplt.execution.limits import check_timeout
from mplt.generation import SamplingConfig
from mplt.langs import TARGETS
from mplt.models.load import check_dtype

MODES = ("all", "generate", "execute")
DEFAULT_PROTOCOL = "multipl-e"


@dataclass(frozen=True)
class EvaluationSettings:
    """Defaults are MultiPL-E's evaluation settings (docs/method.md, section 6): MultiPL-E HumanEval, 20
    samples at T=0.2, top_p 0.95, 512 new tokens, pass@1: the `multipl-e` protocol. `protocol = "paper"`
    applies MultiPL-T's trainer's settings over these (mplt.evaluation.protocols)."""

    # Keys of the past, each an error naming its successor (mplt.config.config_from_dict).
    RENAMED: ClassVar[tuple[tuple[str, str], ...]] = (("humaneval_path", "benchmark_path"),
                                                      ("multipl_e_path", "benchmark_path"))

    benchmark: str = DEFAULT_BENCHMARK    # a name of the registry mplt.benchmarks (reproduce.py list benchmarks)
    protocol: str = DEFAULT_PROTOCOL      # a key of mplt.evaluation.protocols.PROTOCOLS
    benchmark_path: str | None = None     # a local copy of the benchmark (docs/benchmarks.md); None: its source
    limit: int | None = None              # first K problems per language
    langs: tuple[str, ...] = TARGETS
    dtype: str = "auto"                   # "auto": bf16 on GPU, fp32 on CPU; smoke: float64 (docs/determinism.md)
    sampling: SamplingConfig = flat(SamplingConfig())   # n, temperature, ...: --n, --temperature, ...
    workers: int | None = None            # execution threads; None: one per CPU
    timeout_s: float | None = None        # per program; None: the language's default

    def evaluation_settings(self) -> dict:
        """The shared fields by name, so that the `evaluate` stage hands them to `EvalConfig` whole
        instead of copying them one by one."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(EvaluationSettings)}

    def check_settings(self, where: str, key: str) -> None:
        """One-line errors for the shared settings; `where` names the command or table, `key` how a
        setting is named there (`--{}` for flags, `{}` for keys)."""
        if self.limit is not None and self.limit < 1:
            raise MpltError(f"{where} {key.format('limit')} must be >= 1, got {self.limit}")
        check_dtype(where, self.dtype)
        check_timeout(self.timeout_s, f"{where} {key.format('timeout_s')}")
        from mplt.evaluation.protocols import apply_protocol
        apply_protocol(self.protocol, self.sampling, self.benchmark, self.dtype,
                       f"{where} {key.format('protocol')}")


@dataclass(frozen=True)
class EvalConfig(EvaluationSettings):
    model: str = ""                       # registry key, Hub id or local directory
    out: str = "eval"                     # output directory; one subdirectory per language
    revision: str | None = None           # model revision (Hub)
    adapter: str | None = None            # LoRA adapter directory
    load_in_4bit: bool = False
    tokenizer_fallback: str | None = None # tokenizer source when the model's revision has none
    device: str | None = None             # None: cuda if available, else cpu
    mode: str = "all"                     # all | generate (GPU only) | execute (CPU only, saved completions)

    def __post_init__(self):
        if self.mode not in MODES:
            raise MpltError(f"unknown mode {self.mode!r}; known: {', '.join(MODES)}")
        if self.mode != "execute" and not self.model:
            raise MpltError("a model is required to generate completions (--model)")
        self.check_settings("eval", "{}")

    def resolved(self) -> "EvalConfig":
        """This config with its protocol's settings applied (mplt.evaluation.protocols): what runs and
        what config.json records."""
        from mplt.evaluation.protocols import apply_protocol
        sampling, benchmark, dtype = apply_protocol(self.protocol, self.sampling, self.benchmark, self.dtype)
        return dataclasses.replace(self, sampling=sampling, benchmark=benchmark, dtype=dtype)

    def model_options(self):
        from mplt.generation.backends.base import ModelOptions
        return ModelOptions(model=self.model, revision=self.revision, adapter=self.adapter,
                            load_in_4bit=self.load_in_4bit, device=self.device, dtype=self.dtype,
                            tokenizer_fallback=self.tokenizer_fallback, base_url=self.sampling.base_url,
                            replicas=self.sampling.replicas,
                            tensor_parallel_size=self.sampling.tensor_parallel_size)
