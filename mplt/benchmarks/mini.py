"""Our own mini benchmark (`mini`): a few problems we wrote in HumanEval's format
(package data `mplt/data/mini_humaneval.jsonl`), translated like HumanEval. It serves the smoke
profile and the rehearsal; its figures say that the machinery ran and compare with nothing."""
from __future__ import annotations

from pathlib import Path

from mplt.benchmarks.contract import Benchmark, BenchmarkOptions, PackageData, ProblemSet, RecordSchema
from mplt.benchmarks.humaneval import FIELDS, load_problems
from mplt.benchmarks.translated import translate_problems
from mplt.errors import MpltError
from mplt.langs import target_languages

FILE = "mini_humaneval.jsonl"
MINI_PATH = Path(__file__).resolve().parents[1] / "data" / FILE


def load_mini(language: str, options: BenchmarkOptions) -> ProblemSet:
    if not MINI_PATH.exists():
        raise MpltError(f"the mini benchmark file {MINI_PATH} is missing from this installation")
    return translate_problems("mini", language, load_problems(MINI_PATH), options.limit, str(MINI_PATH),
                              "local")


BENCHMARK = Benchmark(
    name="mini",
    description="mplt's own mini benchmark (HumanEval format, package data), translated",
    source=PackageData(FILE),
    schema=RecordSchema("HumanEval", tuple((f, str) for f in FIELDS), key="task_id"),
    languages=target_languages(),
    load=load_mini,
    problems=18,
)
