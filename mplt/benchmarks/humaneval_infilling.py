"""HumanEval infilling, shared by the benchmark modules `humaneval_infilling_single.py` and
`humaneval_infilling_multi.py` (benchmarks `humaneval-infilling-single`, `humaneval-infilling-multi`):
the task of the FIM paper (Bavarian et al. 2022), InCoder, SantaCoder and CodeGen2, scored by
pass@1 with the problem's tests in mplt's Python sandbox, never by exact match
(docs/codegen2.md, section B3).

Source: OpenAI's `human-eval-infilling` data files (`data/HumanEval-SingleLineInfilling.jsonl.gz`,
`data/HumanEval-MultiLineInfilling.jsonl.gz`, named in its `human_eval_infilling/data.py`) at a
pinned commit (mplt.benchmarks.pinned_files: we could not compute their sha256 on the machine mplt
was written on, so the hash of the first download is recorded and checked on every later read), or a
local copy given by `--benchmark-path`: the file itself or a directory holding it under its upstream
name. The Hub
copy `loubnabnl/humaneval_infilling` (configs `HumanEval-SingleLineInfilling`, ...) pins no
revision anywhere we looked, so it is not read.

Each upstream record (`task_id, entry_point, prompt` = the text before the hole, `suffix`,
`canonical_solution` = the middle, `test`) becomes one prompt record in language `py`: the model
fills the middle between `prompt` and `suffix` (infill sampling, mplt/infill/sampling.py) and the
program run is human-eval-infilling's own check, `prompt + middle + suffix + "\\n" + test + "\\n" +
check(entry_point)` (its `execution.py`; `mplt.translation.build_program` adds the suffix).
"""
from __future__ import annotations

import functools
from pathlib import Path

from mplt.benchmarks import pinned_files
from mplt.benchmarks.contract import (Benchmark, BenchmarkOptions, ProblemSet, ProtocolDefaults, RecordSchema,
                                      RepoFile, RepoFiles, limit_records)
from mplt.benchmarks.records import read_checked
from mplt.errors import MpltError

LANGUAGES = ("py",)
SOURCE_REPO = "openai/human-eval-infilling"
SOURCE_COMMIT = "88062ff9859c875d04db115b698ed4b0f0395170"   # main, the repository's last commit we saw
# benchmark name -> (upstream file, description, tasks). The counts are the upstream README's (the
# single-line one agrees with its 103,300 samples at 100 per task); no copy of the data was at hand to check.
FILES = {
    "humaneval-infilling-single": ("data/HumanEval-SingleLineInfilling.jsonl.gz",
                                   "HumanEval single-line infilling (openai/human-eval-infilling), Python, "
                                   "pass@1 by execution", 1033),
    "humaneval-infilling-multi": ("data/HumanEval-MultiLineInfilling.jsonl.gz",
                                  "HumanEval multi-line infilling (openai/human-eval-infilling), Python, "
                                  "pass@1 by execution", 5815),
}
FIELDS = {"task_id": str, "entry_point": str, "prompt": str, "suffix": str, "canonical_solution": str, "test": str}
# Published pass@1 of the same models under the same settings: none. SantaCoder's card reports
# exact match on `loubnabnl/humaneval_infilling`, not pass@1; the CodeGen2 paper's infill table was
# not available to us (docs/codegen2.md, preamble), and neither evaluated MultiPL-T fine-tunes.
PUBLISHED_FAMILY = None


def pinned_file(name: str) -> RepoFile:
    return RepoFile(SOURCE_REPO, SOURCE_COMMIT, FILES[name][0])


def declare(name: str) -> Benchmark:
    """The declaration of infilling benchmark `name` (a key of FILES)."""
    upstream, description, tasks = FILES[name]
    return Benchmark(
        name=name, description=description,
        source=RepoFiles(tuple((lang, pinned_file(name)) for lang in LANGUAGES)),
        schema=RecordSchema("human-eval-infilling", tuple(FIELDS.items()), key="task_id"),
        languages=LANGUAGES, load=functools.partial(load, name),
        task="infill", comparable_with=PUBLISHED_FAMILY,
        # The prefix is sent as it is (its last newline and indentation say where the middle starts) and
        # a middle ends at the model's infill sentinel, not at a stop string (mplt/infill/sampling.py).
        protocol=ProtocolDefaults(strip_prompt=False), problems=tasks,
        local_copy=f"the human-eval-infilling file, or a directory holding it as {upstream.rsplit('/', 1)[-1]}")


def problem_name(task_id: str) -> str:
    """`SingleLineInfilling/HumanEval/0/L3` -> `SingleLineInfilling_HumanEval_0_L3` (a file-safe id)."""
    return task_id.replace("/", "_")


def to_record(upstream: dict) -> dict:
    """The prompt record of one upstream task (fields of MultiPL-E records, plus `suffix`)."""
    return {"name": problem_name(upstream["task_id"]), "language": "py", "task_id": upstream["task_id"],
            "entry_point": upstream["entry_point"], "prompt": upstream["prompt"], "suffix": upstream["suffix"],
            "canonical_solution": upstream["canonical_solution"],
            "tests": upstream["test"] + "\n" + f"check({upstream['entry_point']})\n",
            # A middle ends at the format's sentinel (mplt/infill/sampling.py), not at a Python stop
            # string: a multi-line middle may hold `\ndef ` or `\n#`.
            "stop_tokens": []}


def single_line_tasks(problem: dict) -> list[dict]:
    """A HumanEval-format problem (`task_id, prompt, canonical_solution, test, entry_point`) as
    single-line infilling tasks: each non-blank line of its solution masked in turn, as the upstream
    single-line set was made (the rehearsal's stand-in, mplt.rehearsal.standins)."""
    lines = problem["canonical_solution"].splitlines(keepends=True)
    return [{"task_id": f"SingleLineInfilling/{problem['task_id']}/L{i}", "entry_point": problem["entry_point"],
             "prompt": problem["prompt"] + "".join(lines[:i]), "suffix": "".join(lines[i + 1:]),
             "canonical_solution": line, "test": problem["test"]}
            for i, line in enumerate(lines) if line.strip()]


def read_upstream(path: Path) -> list[dict]:
    return list(read_checked(path, FIELDS, "human-eval-infilling", "task_id"))


def load(name: str, language: str, options: BenchmarkOptions, cache_dir: Path | None = None) -> ProblemSet:
    """The prompt records of infilling benchmark `name` (Python only)."""
    if language not in LANGUAGES:
        raise MpltError(f"benchmark {name} is Python only (--langs py), not {language!r}")
    pinned = pinned_file(name)
    if options.path is not None:
        path = pinned_files.local_file(Path(options.path), pinned, "the upstream human-eval-infilling file")
        source, revision = str(path), "local"
    else:
        path = pinned_files.download(pinned, cache_dir)
        source, revision = pinned.url, SOURCE_COMMIT
    records = [to_record(r) for r in read_upstream(path)]
    return ProblemSet(name, language, limit_records(records, options.limit), source, revision,
                      sha256=pinned_files.sha256_of(path))
