"""How much data the `scaled` profile can make in its time budget, and whether that can move pass@1.

`python -m mplt.run.sizing` prints the calculation; the `scaled` profile's `estimate` and `notes`, and
the line its report prints, come from it (tests/run/test_sizing.py keeps them in step). Every input is
named here with its source; those marked ASSUMED were not measured by us (no GPU was available).

1. **How many items move pass@1 beyond noise.** The smallest published data budget is the Racket
   size ablation's 5,000 items (MultiPL-T repository, `experiments/rkt_1b_size_ablation/
   5k_results_all_results.csv`): full fine-tuning of StarCoderBase-1B took Racket from 0.047 to 0.0655,
   0.0798, 0.0885 after epochs 1-3. No smaller budget was published. A one-sided paired test at 0.05
   with 80 % power detects a gain of at least (1.645 + 0.842) standard errors, and the standard error
   is at least the sampling one, sqrt((p_b(1-p_b) + p_t(1-p_t)) / (n P)) (mplt/results/stats.py): 0.016
   for Racket, so the first epoch's +0.019 is just beyond it and the third's +0.042 well beyond.
2. **Items per selected function with a 1B generator.** The paper's pipeline turned 432,361 functions
   (docs/method.md, section 1, step 1f) into 37.6k-48.2k items per language (section 4.3) with
   StarCoderBase-15B generating tests and translations and 50 samples per translation. `scaled` generates
   with the 1B model and fewer samples. ASSUMED: the yield scales with the generator's pass rate, for test
   generation by the Python HumanEval pass@1 of 1B over 15B (0.152 / 0.304, the StarCoder paper, Li et al.
   2023) and for translation by the language's base pass@1 of 1B over 15B (docs/method.md, sections 7.1,
   7.2), and with the share of functions that get at least one passing translation at n samples,
   1 - (1 - p)^n with p the 1B pass@1, relative to n = 50.
3. **Seconds per selected function.** Test generation and translation with vLLM (ASSUMED: 8,000
   generated tokens/s for a 1B model on one 24 GB GPU, and 40 % of `max_new_tokens` generated per sample
   on average, since vLLM ends each row at its own stop sequence); execution at the warm sandbox's
   programs/s measured on this team's 2-core machine (README, "What was verified": bench/execution.py,
   2 workers) per worker, on 8 workers; Python test runs at an ASSUMED 20 per second per worker. Half of the selected functions keep tests and 80 % of those
   translate (mplt/run/estimate.py `SHARES`, ASSUMED).
4. **What the rest of the budget pays for**: evaluating base and fine-tuned on MultiPL-E (5 languages,
   ~161 problems, n = 20) at the same rates; fine-tuning is minutes at these sizes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from mplt.results.published import BASE_1B, NUM_PROBLEMS, SAMPLES_PER_PROBLEM

PAPER_FUNCTIONS = 432_361                                   # docs/method.md, section 1, step 1f
PAPER_ITEMS = {"lua": 48_194, "rkt": 40_510, "ml": 43_401, "jl": 45_000, "r": 37_592}   # section 4.3
PAPER_SAMPLES = 50                                          # translations per function (section 3.3)
BASE_15B = {"lua": 0.2661, "rkt": 0.1177, "ml": 0.069, "jl": 0.2109, "r": 0.102}      # section 7.2
PYTHON_1B_OVER_15B = 0.152 / 0.304      # StarCoderBase-1B / -15B HumanEval Python pass@1 (StarCoder paper)
# The Racket size ablation, 5,000 items, full fine-tuning, pass@1 after epochs 1-3 (module docstring).
ABLATION_ITEMS = 5_000
ABLATION_CURVE = (0.0655, 0.0798, 0.0885)
Z_ALPHA, Z_POWER = 1.645, 0.842         # one-sided 0.05, power 0.8
# Warm programs/s on 2 workers (README, "What was verified"), per worker below.
PROGRAMS_PER_S_2_WORKERS = {"lua": 215.0, "rkt": 16.8, "ml": 72.0, "r": 55.0, "jl": 10.2}
# ASSUMED, per worker: a cold sandboxed Python run (the sandbox costs Lua ~30 ms per program, from 284 to
# 54 programs/s on 2 workers in the same measurement; Python starts in ~20 ms).
PYTHON_PROGRAMS_PER_S = 20.0


@dataclass(frozen=True)
class Budget:
    hours: float = 2.5
    tokens_per_s: float = 8_000.0       # ASSUMED: vLLM, 1B model, one 24 GB GPU
    new_token_share: float = 0.4        # ASSUMED: generated / max_new_tokens under vLLM
    workers: int = 8
    testgen_samples: int = 5            # docs/method.md, section 2.2
    testgen_max_new: int = 400
    python_programs: int = 15           # ASSUMED: ~3 assertions per sample, each run alone
    python_programs_per_s: float = PYTHON_PROGRAMS_PER_S
    kept_share: float = 0.5 * 0.8       # tests kept x translatable (mplt/run/estimate.py SHARES)
    translate_samples: int = 10
    translate_max_new: int = 512
    languages: tuple[str, ...] = ("lua", "rkt", "ml", "r", "jl")
    eval_samples: int = SAMPLES_PER_PROBLEM
    other_minutes: float = 20.0         # ASSUMED: select over the Hub corpus, dataset, fine-tuning, report


@dataclass(frozen=True)
class LanguageSizing:
    language: str
    items_per_function: float
    items_in_budget: int
    functions_for_ablation: int
    hours_for_ablation: float


@dataclass(frozen=True)
class Sizing:
    budget: Budget
    seconds_per_function: float
    evaluation_hours: float
    functions: int
    languages: tuple[LanguageSizing, ...]
    noise: float                        # smallest Racket gain a paired test detects (lower bound)
    racket_upper: int                   # Racket items in the same hours at the paper's yield per function

    @property
    def moves_pass_at_1(self) -> bool:
        return all(x.items_in_budget >= ABLATION_ITEMS for x in self.languages if x.language in ("lua", "rkt"))


def items_per_function(language: str, samples: int) -> float:
    """Fine-tuning items per selected function when StarCoderBase-1B generates (module docstring, 2)."""
    p = BASE_1B[language].value
    covered = (1 - (1 - p) ** samples) / (1 - (1 - p) ** PAPER_SAMPLES)
    return (PAPER_ITEMS[language] / PAPER_FUNCTIONS * PYTHON_1B_OVER_15B
            * p / BASE_15B[language] * covered)


def generation_seconds(budget: Budget, samples: float, max_new: int) -> float:
    return samples * max_new * budget.new_token_share / budget.tokens_per_s


def execution_seconds(budget: Budget, programs: float, per_worker_per_s: float) -> float:
    return programs / (per_worker_per_s * budget.workers)


def seconds_per_function(budget: Budget, languages: tuple[str, ...] | None = None) -> float:
    """Test generation for one selected function, and translation of the kept ones into `languages`
    (default: the budget's) (module docstring, 3)."""
    seconds = (generation_seconds(budget, budget.testgen_samples, budget.testgen_max_new)
               + execution_seconds(budget, budget.python_programs, budget.python_programs_per_s))
    samples = budget.kept_share * budget.translate_samples
    for lang in budget.languages if languages is None else languages:
        seconds += (generation_seconds(budget, samples, budget.translate_max_new)
                    + execution_seconds(budget, samples, PROGRAMS_PER_S_2_WORKERS[lang] / 2))
    return seconds


def evaluation_seconds(budget: Budget) -> float:
    seconds = 0.0
    for lang in budget.languages:
        samples = 2 * NUM_PROBLEMS[lang] * budget.eval_samples       # base and fine-tuned
        seconds += (generation_seconds(budget, samples, 512)
                    + execution_seconds(budget, samples, PROGRAMS_PER_S_2_WORKERS[lang] / 2))
    return seconds


def detectable_gain(base: float, tuned: float, problems: int, samples: int) -> float:
    """(z_alpha + z_power) x the sampling standard error of a paired difference (module docstring, 1)."""
    return (Z_ALPHA + Z_POWER) * math.sqrt((base * (1 - base) + tuned * (1 - tuned)) / (samples * problems))


def size_scaled(budget: Budget = Budget()) -> Sizing:
    per_function = seconds_per_function(budget)
    evaluation = evaluation_seconds(budget)
    left = budget.hours * 3600 - evaluation - budget.other_minutes * 60
    functions = max(0, int(left / per_function) // 100 * 100)
    languages = []
    for lang in budget.languages:
        yield_ = items_per_function(lang, budget.translate_samples)
        needed = math.ceil(ABLATION_ITEMS / yield_)
        # one language alone: test generation and its own translations only
        languages.append(LanguageSizing(lang, yield_, int(functions * yield_), needed,
                                        needed * seconds_per_function(budget, (lang,)) / 3600))
    noise = detectable_gain(BASE_1B["rkt"].value, ABLATION_CURVE[-1], NUM_PROBLEMS["rkt"], budget.eval_samples)
    # the same hours at the paper's own yield (a 15B generator's, 50 samples): an upper bound
    paper = replace(budget, translate_samples=PAPER_SAMPLES)
    fit = (budget.hours * 3600 - evaluation - budget.other_minutes * 60) / seconds_per_function(paper)
    upper = int(fit * PAPER_ITEMS["rkt"] / PAPER_FUNCTIONS)
    return Sizing(budget, per_function, evaluation / 3600, functions, tuple(languages), noise, upper)


def verdict(sizing: Sizing) -> str:
    """The one line the profile's notes and its report carry."""
    by = {x.language: x for x in sizing.languages}
    lua, rkt = by["lua"], by["rkt"]
    if sizing.moves_pass_at_1:
        return (f"sized to move pass@1 beyond sampling noise: ~{lua.items_in_budget} Lua and ~{rkt.items_in_budget} "
                f"Racket items, >= the {ABLATION_ITEMS:,} items the published ablation needed")
    return (f"CANNOT move pass@1 beyond sampling noise in {sizing.budget.hours:g} h: its ~{sizing.functions:,} "
            f"functions give ~{lua.items_in_budget} Lua and ~{rkt.items_in_budget} Racket items with a 1B "
            f"generator, far below the {ABLATION_ITEMS:,} items of the smallest published gain (Racket "
            f"0.047 -> {ABLATION_CURVE[0]} after one epoch; a paired test detects >= {sizing.noise:.3f}); "
            f"even at the paper's 15B yield the hours give ~{sizing.racket_upper:,} Racket items; "
            f"{ABLATION_ITEMS:,} Racket items would need ~{rkt.functions_for_ablation:,} functions (the paper's "
            f"whole corpus has {PAPER_FUNCTIONS:,}) and ~{rkt.hours_for_ablation:.0f} GPU hours "
            "(mplt/run/sizing.py)")


def format_sizing(sizing: Sizing) -> str:
    b = sizing.budget
    lines = [f"budget {b.hours:g} h; vLLM {b.tokens_per_s:,.0f} tokens/s and {b.new_token_share:.0%} of "
             f"max_new_tokens per sample (ASSUMED); {b.workers} execution workers",
             f"per selected function: {sizing.seconds_per_function:.2f} s (test generation with n = "
             f"{b.testgen_samples}, translation with n = {b.translate_samples} into {len(b.languages)} languages)",
             f"evaluation of base and fine-tuned: {sizing.evaluation_hours:.2f} h; other stages "
             f"{b.other_minutes:g} min",
             f"functions that fit: {sizing.functions:,}", "",
             "| language | items per selected function | items in budget | functions for 5k items | hours for 5k (this language alone) |",
             "|---|---|---|---|---|"]
    lines += [f"| {x.language} | {x.items_per_function:.4f} | {x.items_in_budget:,} | {x.functions_for_ablation:,} "
              f"| {x.hours_for_ablation:.0f} |" for x in sizing.languages]
    return "\n".join(lines + ["", verdict(sizing)])


if __name__ == "__main__":
    print(format_sizing(size_scaled()))
