"""The smoke profile's model: a tiny Llama built on this machine, then warm-started.

A randomly initialised 4M-parameter model writes no correct program, so every stage downstream
would see only failures. The warm-start teaches it, briefly, the continuations of the pipeline's
own prompts for some functions of the smoke corpus: correct test assertions after the
test-generation prompt (docs/method.md, section 2.1) and correct target-language bodies after the translation
prompts (docs/method.md, section 3.2), all written by us in `mplt/data/smoke_warmstart.toml`. It also learns our
solutions to one third of our own mini benchmark (`mplt/data/smoke_mini_solutions.toml`), after the
evaluate stage's own prompts, so that evaluation sees passing items too: a tiny model solves no
problem it has not seen. The prompts are built here by the stages' own prompt builders and the
benchmark loader, so they are exactly what the stages will ask. At low temperature the model then
reproduces some of them (passing items) and garbles the rest, and the functions and problems with
no material get nonsense (failing items). Smoke pass@1 therefore measures memorisation, and the
numbers of a smoke run check the machinery, not the method.

Output: `RUN/model/` (config, weights, tokenizer), `RUN/model/warmstart.jsonl` (the training
texts) and `summary.json` last; a finished model is reused by a rerun.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from mplt.errors import MpltError
from mplt.io import write_jsonl
from mplt.langs import TARGETS
from mplt.models.load import check_dtype
from mplt.pipeline.common import stage_dir, stage_log, write_config, write_summary
from mplt.smoke.material import benchmark_examples, warmstart_examples


@dataclass(frozen=True)
class SmokeModelConfig:
    corpus: str = ""                 # directory of the smoke corpus (the select stage's source)
    warmstart: str = ""              # TOML: per function `tests` and target-language completions
    benchmark_solutions: str = ""    # TOML: per benchmark entry point, target-language completions ("" = none)
    benchmark: str = "mini"          # the benchmark whose prompts those solutions complete
    langs: tuple[str, ...] = TARGETS
    vocab_size: int = 4096
    hidden_size: int = 256
    intermediate_size: int = 768     # a multiple of 32 for bitsandbytes' CPU kernels (docs/runtime.md, 4.1)
    num_layers: int = 4
    num_heads: int = 4
    max_positions: int = 1024
    epochs: int = 30
    batch_size: int = 8
    lr: float = 2e-3
    warmup_steps: int = 10
    seed: int = 0
    dtype: str = "float32"           # "float64": the same model on every CPU (docs/determinism.md)
    weight_grid_bits: int = 0        # > 0: weights snapped to multiples of 2^-bits each step (mplt.training.grid)

    def validate(self) -> None:
        check_dtype("[model]", self.dtype)
        for label, path in (("corpus", self.corpus), ("warmstart", self.warmstart)):
            if not path or not Path(path).exists():
                raise MpltError(f"[model] {label} = {path!r} does not exist")
        if self.benchmark_solutions and not Path(self.benchmark_solutions).exists():
            raise MpltError(f"[model] benchmark_solutions = {self.benchmark_solutions!r} does not exist")
        if self.epochs < 1 or self.batch_size < 1 or self.lr <= 0:
            raise MpltError("[model] epochs and batch_size must be >= 1 and lr > 0")


def tokenizer_texts(config: SmokeModelConfig, examples: list[dict]) -> list[str]:
    """What the tokenizer learns from: the corpus, the benchmark's prompts in every language of the
    run (built by the benchmark's own loader, as the evaluate stage sends them) and the warm-start
    texts. Only what the repository ships, so the tokenizer, and with it every figure of a smoke run,
    is the same under any Python build or OS (docs/determinism.md, "Python builds")."""
    from mplt.benchmarks import BenchmarkOptions, load_benchmark
    corpus = [p.read_text(encoding="utf-8") for p in sorted(Path(config.corpus).glob("*.py"))]
    prompts = [r["prompt"] for lang in config.langs
               for r in load_benchmark(config.benchmark, lang, BenchmarkOptions()).records]
    return corpus + prompts + [e["prompt"] + e["completion"] for e in examples]


def build_and_warm_start(out: Path, config: SmokeModelConfig, examples: list[dict], progress: bool, log) -> dict:
    """Build the tiny model (its tokenizer trained on our texts), then warm-start it through
    `mplt.training.warmstart`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from mplt.models.tiny import TinyConfig, build_tiny_model
    from mplt.training.warmstart import WarmStartSettings, warm_start
    texts = tokenizer_texts(config, examples)
    tiny = TinyConfig(vocab_size=config.vocab_size, hidden_size=config.hidden_size,
                      intermediate_size=config.intermediate_size, num_layers=config.num_layers,
                      num_heads=config.num_heads, max_positions=config.max_positions, seed=config.seed,
                      dtype=config.dtype)
    init_dir = out / "init"
    build_tiny_model(init_dir, texts, tiny)
    tokenizer = AutoTokenizer.from_pretrained(init_dir)
    model = AutoModelForCausalLM.from_pretrained(init_dir, dtype=getattr(torch, config.dtype))
    settings = WarmStartSettings(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr,
                                 warmup_steps=config.warmup_steps, seed=config.seed,
                                 max_positions=config.max_positions, weight_grid_bits=config.weight_grid_bits)
    trained = warm_start(model, tokenizer, examples, settings, progress=progress, log=log)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    shutil.rmtree(init_dir)
    losses = trained["losses"]
    return {"parameters": sum(p.numel() for p in model.parameters()), "vocab_size": len(tokenizer),
            "examples": trained["examples"], "steps": trained["steps"], "first_epoch_loss": round(losses[0], 4),
            "final_epoch_loss": round(losses[-1], 4)}


def run_model(run_dir: Path, config: SmokeModelConfig, *, progress: bool = True) -> dict:
    config.validate()
    out = stage_dir(run_dir, "model")
    with stage_log(run_dir, "model") as log:
        start = time.monotonic()
        write_config(out, config)
        corpus_examples = warmstart_examples(config)
        solutions = benchmark_examples(config)
        examples = corpus_examples + solutions
        write_jsonl(out / "warmstart.jsonl", examples)
        memorised = sorted({e["id"].split(":")[0] for e in solutions})
        log.info("model: %d warm-start examples (%d test generation, %d translation, %d benchmark solutions "
                 "for %d problems)", len(examples), sum(e["id"].endswith(":testgen") for e in corpus_examples),
                 sum(not e["id"].endswith(":testgen") for e in corpus_examples), len(solutions), len(memorised))
        stats = build_and_warm_start(out, config, examples, progress, log)
        summary = {"stage": "model", "kind": "tiny-llama-warmstart", "seconds": round(time.monotonic() - start, 2),
                   **stats, "memorised_problems": memorised}
        log.info("model: %s", summary)
        write_summary(out, "model", summary)
    return summary
