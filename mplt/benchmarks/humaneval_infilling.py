"""HumanEval infilling (benchmarks `humaneval-infilling-single`, `humaneval-infilling-multi`):
the task of the FIM paper (Bavarian et al. 2022), InCoder, SantaCoder and CodeGen2, scored by
pass@1 with the problem's tests in mplt's Python sandbox, never by exact match
(docs/codegen2.md, section B3).

Source: OpenAI's `human-eval-infilling` data files (`data/HumanEval-SingleLineInfilling.jsonl.gz`,
`data/HumanEval-MultiLineInfilling.jsonl.gz`, named in its `human_eval_infilling/data.py`) at a
pinned commit, downloaded once from raw.githubusercontent.com and cached; we could not compute
their sha256 on the machine mplt was written on, so the hash of the first download is recorded next
to the cached file and a later read that differs is an error (as `mplt.benchmarks.paper_prompts`
does). Or a local copy: the file itself or a directory holding it under its upstream name. The Hub
copy `loubnabnl/humaneval_infilling` (configs `HumanEval-SingleLineInfilling`, ...) pins no
revision anywhere we looked, so it is not read.

Each upstream record (`task_id, entry_point, prompt` = the text before the hole, `suffix`,
`canonical_solution` = the middle, `test`) becomes one prompt record in language `py`: the model
fills the middle between `prompt` and `suffix` (infill sampling, mplt/infill/sampling.py) and the
program run is human-eval-infilling's own check, `prompt + middle + suffix + "\\n" + test + "\\n" +
check(entry_point)` (its `execution.py`; `mplt.translation.build_program` adds the suffix).
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from mplt.benchmarks.records import read_checked
from mplt.errors import MpltError

log = logging.getLogger(__name__)

TASK = "infill"                      # the model fills a middle; left-to-right benchmarks "complete"
LANGUAGES = ("py",)
SOURCE_REPO = "openai/human-eval-infilling"
SOURCE_COMMIT = "88062ff9859c875d04db115b698ed4b0f0395170"   # main, the repository's last commit we saw
RAW_URL = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
# benchmark name -> (upstream file, description)
FILES = {
    "humaneval-infilling-single": ("data/HumanEval-SingleLineInfilling.jsonl.gz",
                                   "HumanEval single-line infilling (openai/human-eval-infilling; 1,033 tasks)"),
    "humaneval-infilling-multi": ("data/HumanEval-MultiLineInfilling.jsonl.gz",
                                  "HumanEval multi-line infilling (openai/human-eval-infilling)"),
}
FIELDS = {"task_id": str, "entry_point": str, "prompt": str, "suffix": str, "canonical_solution": str, "test": str}
# Sampling defaults: MultiPL-T's evaluation settings (docs/method.md, section 6), which every mplt
# benchmark shares, so one profile compares left-to-right and infill pass@1 under one protocol.
PROTOCOL_DEFAULTS = {"n": 20, "temperature": 0.2, "top_p": 0.95, "max_new_tokens": 512}
# Published pass@1 of the same models under the same settings: none. SantaCoder's card reports
# exact match on `loubnabnl/humaneval_infilling`, not pass@1; the CodeGen2 paper's infill table was
# not available to us (docs/codegen2.md, preamble), and neither evaluated MultiPL-T fine-tunes.
PUBLISHED_FAMILY = None


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


def load(name: str, language: str, path: str | Path | None = None, cache_dir: Path | None = None):
    """(records, source, revision, sha256) of benchmark `name` for `language` (Python only)."""
    if name not in FILES:
        raise MpltError(f"unknown infilling benchmark {name!r}; known: {', '.join(FILES)}")
    if language not in LANGUAGES:
        raise MpltError(f"benchmark {name} is Python only (--langs py), not {language!r}")
    upstream_path = FILES[name][0]
    if path is not None:
        local = _local_file(Path(path), upstream_path)
        return [to_record(r) for r in read_upstream(local)], str(local), "local", _sha256(local.read_bytes())
    cached = _download(upstream_path, cache_dir or _default_cache_dir())
    url = RAW_URL.format(repo=SOURCE_REPO, commit=SOURCE_COMMIT, path=upstream_path)
    return [to_record(r) for r in read_upstream(cached)], url, SOURCE_COMMIT, _sha256(cached.read_bytes())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _default_cache_dir() -> Path:
    from huggingface_hub.constants import HF_HOME
    return Path(HF_HOME) / "mplt" / "benchmark-files"


def _local_file(path: Path, upstream_path: str) -> Path:
    if path.is_dir():
        name = upstream_path.rsplit("/", 1)[-1]
        found = next((c for c in (path / name, path / name.removesuffix(".gz")) if c.is_file()), None)
        if found is None:
            raise MpltError(f"{path}: no {name} (the upstream human-eval-infilling file)")
        return found
    if not path.is_file():
        raise MpltError(f"{path}: no such human-eval-infilling file or directory")
    return path


def _download(upstream_path: str, cache_dir: Path) -> Path:
    """The cached copy of the pinned file, fetched first if absent; later reads must match the sha256
    recorded at the first download (`<file>.sha256`)."""
    target = cache_dir / SOURCE_REPO.replace("/", "--") / SOURCE_COMMIT / upstream_path
    recorded = target.with_name(target.name + ".sha256")
    if not target.is_file():
        url = RAW_URL.format(repo=SOURCE_REPO, commit=SOURCE_COMMIT, path=upstream_path)
        data = _fetch(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(data)
        partial.replace(target)
        recorded.write_text(_sha256(data) + "\n", encoding="utf-8")
        log.info("%s: downloaded (sha256 %s)", url, _sha256(data))
    digest = _sha256(target.read_bytes())
    expected = recorded.read_text(encoding="utf-8").strip() if recorded.is_file() else None
    if expected and digest != expected:
        raise MpltError(f"{target}: sha256 {digest} differs from {expected} recorded at download; delete it to "
                        "fetch again")
    return target


def _fetch(url: str) -> bytes:
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", None) or e
        raise MpltError(f"cannot download {url} ({reason}); offline, pass a local copy with --humaneval-path "
                        "(the file, or a directory holding it under its upstream name)") from e
