"""A time estimate printed before a run starts: work counts from the profile times assumed rates.

work = samples to generate (prompts x n x expected new tokens), programs to execute, tokens to train
on; time = work / rate. The rates are assumptions, named with their origin in `RATES`: the CPU ones
are rough rates for the tiny model (the smoke profile's `estimate` has its measured wall time); the GPU ones are planning figures for a
1B model on one 24 GB GPU (vLLM generation, `gpu-hf` for HF `generate`; QLoRA with gradient checkpointing) that nobody on this
team has measured (we have no GPU), so the GPU estimate is an order of magnitude, not a promise.
Counts the profile does not fix (how many functions survive test generation, how many items the
dataset stage keeps) use the survival shares in `SHARES`.
"""
from __future__ import annotations

from dataclasses import dataclass

from mplt.run.profiles import Profile

DEFAULT_PROBLEMS = 161     # a benchmark that declares no count: MultiPL-E HumanEval's


def eval_problems(table: dict) -> int:
    """Problems per language of an `[evaluate]` table: its limit, else what its benchmark declares
    (mplt.benchmarks.contract `problems`)."""
    from mplt.benchmarks import DEFAULT_BENCHMARK, get_benchmark
    return table.get("limit") or get_benchmark(table.get("benchmark", DEFAULT_BENCHMARK)).problems or DEFAULT_PROBLEMS


@dataclass(frozen=True)
class Rates:
    generated_tokens_per_s: float     # aggregate over the batch
    trained_tokens_per_s: float
    seconds_per_program: float        # sandboxed execution, per program, one core
    workers: int
    new_token_share: float            # generated tokens / max_new_tokens (stop sequences end most rows early)
    origin: str
    per_language: bool = False        # execution at each language's measured warm rate (mplt/run/sizing.py)


RATES = {
    "cpu": Rates(700.0, 2500.0, 0.4, 2, 0.5,
                 "rough CPU rates for the 4M-parameter smoke model"),
    # vLLM, the GPU profiles' engine: continuous batching ends each row at its own stop
    # sequence, hence the 0.4 share; execution at the warm sandbox's measured per-language rates. The
    # same assumptions size the `scaled` profile (mplt/run/sizing.py `Budget`).
    "gpu": Rates(8000.0, 3000.0, 0.3, 8, 0.4,
                 "assumed for vLLM with a 1B model on one 24 GB GPU and 8 CPU cores (not measured here); "
                 "execution at the warm rates measured on CPU (README)", per_language=True),
    # HF generate, 1B model (multi-query attention: a small KV cache), batches of >= 64 rows: ~30 ms
    # per decoding step; a batch runs until its longest row stops, hence the 0.9 share.
    "gpu-hf": Rates(3000.0, 3000.0, 0.3, 8, 0.9,
                    "assumed for HF generate with a 1B model on one 24 GB GPU, batches of >= 64 rows, 8 CPU "
                    "cores (not measured here)"),
}
# testgen: functions with >= 1 passing test and coverage >= 90 %; translate: problems per language;
# dataset: items per function that went into translation (several deduplicated solutions survive).
SHARES = {"testgen_kept": 0.5, "translatable": 0.8, "items_per_function": 1.0, "tokens_per_item": 160}
# Items per language of the released nuprl/MultiPL-T splits (37.6k-48.2k: docs/method.md, section 4.3).
PUBLISHED_ITEMS = 43000


@dataclass(frozen=True)
class Work:
    """What a stage's estimate reads: the profile's tables and stages, and the rates."""
    tables: dict
    stages: tuple[str, ...]
    rates: Rates

    def table(self, stage: str) -> dict:
        return self.tables.get(stage, {})

    def generation(self, samples: float, max_new: int) -> float:
        return samples * max_new * self.rates.new_token_share / self.rates.generated_tokens_per_s

    def execution(self, programs: float, language: str | None = None) -> float:
        from mplt.run.sizing import PROGRAMS_PER_S_2_WORKERS, PYTHON_PROGRAMS_PER_S
        if self.rates.per_language and language == "py":
            return programs / (PYTHON_PROGRAMS_PER_S * self.rates.workers)
        if self.rates.per_language and language in PROGRAMS_PER_S_2_WORKERS:
            return programs / (PROGRAMS_PER_S_2_WORKERS[language] / 2 * self.rates.workers)
        return programs * self.rates.seconds_per_program / self.rates.workers

    @property
    def functions(self) -> int:
        return self.table("select").get("max_functions") or 40

    @property
    def kept(self) -> float:
        return self.functions * SHARES["testgen_kept"]


def testgen_seconds(work: Work) -> tuple[float, str]:
    tg = work.table("testgen")
    samples = work.functions * tg.get("n", 5)
    seconds = work.generation(samples, tg.get("max_new_tokens", 400))
    # ~3 assertions per sample, each run on its own
    seconds += (work.execution(samples * 3, "py") if work.rates.per_language
                else samples * 3 * work.rates.seconds_per_program / 10)
    return seconds, f"{work.functions} functions x {tg.get('n', 5)} samples"


def translate_seconds(work: Work) -> tuple[float, str]:
    tr = work.table("translate")
    langs = tuple(tr.get("languages") or tr.get("langs") or ("lua", "rkt", "ml", "r", "jl"))
    samples = work.kept * SHARES["translatable"] * tr.get("n", 50)     # per language
    seconds = sum(work.generation(samples, tr.get("max_new_tokens", 512)) + work.execution(samples, lang)
                  for lang in langs)
    return seconds, f"{work.kept:.0f} functions x {len(langs)} languages x {tr.get('n', 50)} samples, each executed"


def finetune_seconds(work: Work) -> tuple[float, str]:
    ft = work.table("finetune")
    settings = ft.get("settings", {})
    from_run = "dataset" in work.stages
    langs = ft.get("langs", [])
    cap = settings.get("sample_docs") or settings.get("max_docs")
    docs = cap or (work.kept * SHARES["items_per_function"] if from_run else PUBLISHED_ITEMS)
    if from_run and work.rates.per_language and not cap:
        # a 1B generator's yield per selected function (mplt/run/sizing.py), averaged over the languages
        from mplt.run.sizing import PAPER_ITEMS, items_per_function
        n = work.table("translate").get("n", 50)
        known = [lang for lang in langs if lang in PAPER_ITEMS]
        docs = sum(work.functions * items_per_function(lang, n) for lang in known) / max(len(known), 1)
    epochs = settings.get("epochs", preset_setting(ft, "epochs", 3))
    tokens = docs * SHARES["tokens_per_item"] * epochs * len(langs) or 1
    return tokens / work.rates.trained_tokens_per_s, f"{docs:.0f} items x {epochs} epochs per language"


def preset_setting(finetune_table: dict, key: str, default):
    """A fine-tuning setting of the table's preset (mplt/training/config.py PRESETS)."""
    from mplt.training.config import PRESETS
    return PRESETS.get(finetune_table.get("preset", "qlora"), {}).get(key, default)


def evaluate_seconds(work: Work) -> tuple[float, str]:
    ev = work.table("evaluate")
    problems = eval_problems(ev)
    variants = len(ev.get("variants", ["base", "finetuned"]))
    ft = work.table("finetune")
    if ("finetune" in work.stages and "finetuned" in ev.get("variants", ["finetuned"]) and not ev.get("finetuned_model")
            and (ft.get("settings") or {}).get("finetune", preset_setting(ft, "finetune", "lora")) == "full"):
        # a full fine-tune's model is evaluated after each epoch (mplt/evaluation/stage.py)
        variants += (ft.get("settings") or {}).get("epochs", preset_setting(ft, "epochs", 3)) - 1
    samples = variants * problems * ev.get("n", 20)     # per language
    seconds = sum(work.generation(samples, ev.get("max_new_tokens", 512)) + work.execution(samples, lang)
                  for lang in ev.get("langs", []))
    return (seconds,
            f"{variants} models x {len(ev.get('langs', []))} languages x {problems} problems x {ev.get('n', 20)} samples")


def estimate(profile: Profile) -> tuple[float, list[str]]:
    """(seconds, one explanation line per stage whose registry entry estimates its work)."""
    from mplt.stages.contract import resolve
    from mplt.stages.registry import get_stage
    rates = RATES["gpu" if profile.run.needs_gpu else "cpu"]
    work = Work(profile.tables, tuple(profile.run.stages), rates)
    lines: list[str] = []
    total = 0.0
    for stage in profile.run.stages:
        entry = get_stage(stage)
        if not entry.estimate:
            continue
        seconds, what = resolve(entry.estimate)(work)
        total += seconds
        lines.append(f"{stage:<9} ~{seconds / 60:5.1f} min  {what}")
    execution = ("each language's warm programs/s" if rates.per_language
                 else f"{rates.seconds_per_program} s per program")
    lines.append(f"rates: {rates.generated_tokens_per_s:.0f} generated tokens/s, {rates.trained_tokens_per_s:.0f} "
                 f"trained tokens/s, {execution} on {rates.workers} workers ({rates.origin})")
    return total, lines
