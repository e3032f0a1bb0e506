"""The published HumanEval (MultiPL-E) pass@1 of StarCoderBase-1B and MultiPL-T 1B (docs/method.md, section 7.1).

Values are the `Estimate` column of the MultiPL-T repository's files (nuprl/MultiPL-T at `53d996e`);
the fine-tuned figure is the best epoch, as the paper's tables report. R has no published 1B
fine-tuned number (`experiments/r_full_1b/results.csv` is empty).

Each figure names the benchmark family, evaluation protocol and precision it was made under
(`comparable_with` of mplt.benchmarks.contract, mplt.evaluation.protocols), and a figure of ours is
compared with it only when all three match: an MBPP figure is never set beside a HumanEval one (docs/generation.md, "Evaluation
protocols"). The fine-tuned figures come from MultiPL-T's trainer (`paper`, bf16). The base figures are
hard-coded in MultiPL-T's analysis scripts without a stated protocol; we take them to be the trainer's,
since the paper sets them beside the fine-tuned ones as one comparison (docs/deviations.md).
"""
from __future__ import annotations

from dataclasses import dataclass


# The benchmark family of every figure below: MultiPL-E's HumanEval (docs/benchmarks.md).
FAMILY = "multipl-e-humaneval"


@dataclass(frozen=True)
class Published:
    value: float
    source: str
    protocol: str = "paper"       # a key of mplt.evaluation.protocols.PROTOCOLS
    precision: str = "bfloat16"   # what the weights were computed in (MultiPL-T's training/code_llms/training/__init__.py)
    family: str = FAMILY          # the benchmarks whose figures compare with it (a `comparable_with`)

    def comparable(self, protocol: str | None, precision: str | None, family: str | None) -> str | None:
        """None when a figure made on a benchmark of `family` under (protocol, precision) may be
        compared with this one, else why not."""
        if family != self.family:
            return f"ours: benchmark family {family or 'none'}, published: {self.family}"
        if protocol != self.protocol:
            return f"ours: protocol {protocol or 'not recorded'}, published: {self.protocol}"
        if precision != self.precision:
            return f"ours: {precision or 'precision not recorded'}, published: {self.precision}"
        return None


def family_of(recorded: str | None, benchmark: str | None) -> str | None:
    """The benchmark family a figure was made on: as the run recorded it, else (a run from before it was
    recorded) the one its benchmark declares; None for a benchmark with none or unknown here."""
    if recorded:
        return recorded
    from mplt.benchmarks import benchmarks
    declared = benchmarks().get(benchmark or "")
    return declared.comparable_with if declared else None


REPO = "nuprl/MultiPL-T@53d996e"
BASE_1B: dict[str, Published] = {
    "lua": Published(0.121, f"{REPO} analysis/subset_graph/subset_graph.py (base_lua)"),
    "rkt": Published(0.047, f"{REPO} README Table 2; analysis/subset_graph/subset_graph.py"),
    "ml": Published(0.015, f"{REPO} analysis/subset_graph/subset_graph.py"),
    "r": Published(0.054, f"{REPO} analysis/subset_graph/subset_graph.py (base_r)"),
    "jl": Published(0.113, f"{REPO} analysis/subset_graph/subset_graph.py (base_julia)"),
}
MULTIPLT_1B: dict[str, Published] = {
    "lua": Published(0.1727, f"{REPO} experiments/lua_full_1b/results.csv (eval_11346, epoch 3)"),
    "rkt": Published(0.1134, f"{REPO} experiments/rkt_full_1b/results.csv (eval_14351; HF tag "
                             "rkt-multiplt-epoch5)"),
    "ml": Published(0.1074, f"{REPO} experiments/ocaml_full_1b/results.csv (eval_15255, epoch 5)"),
    "jl": Published(0.1557, f"{REPO} experiments/jl_full_1b/results.csv (eval_11060)"),
}
# MultiPL-E HumanEval problem counts in the published CSVs (docs/method.md, section 6); OCaml used a local
# 156-problem prompt file.
NUM_PROBLEMS: dict[str, int] = {"lua": 161, "rkt": 161, "ml": 156, "r": 161, "jl": 159}
SAMPLES_PER_PROBLEM = 20

# The Racket dataset-size ablation of MultiPL-T 1B, 5,000 items (docs/method.md, section 7.4): pass@1 after
# each of the first three epochs, the `Estimate` column of
# experiments/rkt_1b_size_ablation/5k_results_all_results.csv; its `StepNum` counts micro-batches of one
# 2048-token window, 295 per epoch. Base: StarCoderBase-1B's Racket figure above. Same protocol as the
# fine-tuned figures (MultiPL-T's trainer evaluating each epoch, n = 20, 161 problems).
ABLATION_5K = "experiments/rkt_1b_size_ablation/5k_results_all_results.csv"
RACKET_5K_1B: dict[int, Published] = {
    1: Published(0.06552795031055901, f"{REPO} {ABLATION_5K} (StepNum 295)"),
    2: Published(0.07981366459627329, f"{REPO} {ABLATION_5K} (StepNum 590)"),
    3: Published(0.08850931677018634, f"{REPO} {ABLATION_5K} (StepNum 885)"),
}
# Per profile, per language: the published pass@1 after each epoch, for the report's epoch table.
EPOCH_CURVES: dict[str, dict[str, dict[int, Published]]] = {"paper-1b-racket-5k": {"rkt": RACKET_5K_1B}}
