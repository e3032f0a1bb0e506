"""The rehearsal's own stages (`mplt.rehearsal.profile`, docs/rehearsal.md), each `run_<stage>(run_dir,
config, *, progress) -> summary` like every other stage:

* `rehearse`: build the stand-in models (`mplt.models.standin`, one shared tokenizer), the MultiPL-T
  stand-in (a `save_to_disk` DatasetDict with the Hub dataset's split names and its one column,
  `content`, per the nuprl/MultiPL-T dataset card) and the MultiPL-E stand-in (our mini benchmark
  as MultiPL-E records, `humaneval-<lang>.jsonl`). Every text comes from our own material: the smoke corpus and its
  warm-start solutions (`mplt/data/`), never a benchmark problem.
* `add-standin-tests`: when `testgen` validated no function (a random model writes no passing test),
  add a few of our functions with our tests to `testgen/functions.jsonl`, so that `translate`
  samples, executes and scores translations in every language as the profile says.
* `add-standin-data`: the fine-tuning data, `dataset/<lang>/train.jsonl` as the dataset stage wrote
  it, plus stand-in items for each language where it kept none.
Stand-in records carry `"standin": true`; each summary says how many were added.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from mplt.io import read_jsonl, write_jsonl
from mplt.langs import TARGETS
from mplt.pipeline.common import stage_dir, stage_log, write_summary
from mplt.run.profiles import DATA_DIR

CORPUS = DATA_DIR / "smoke_corpus"
WARMSTART = DATA_DIR / "smoke_warmstart.toml"
STANDIN_MASKS = 16   # CodeGen2 `<mask_k>` tokens a stand-in tokenizer holds: fim_max_spans up to 16


@dataclass(frozen=True)
class RehearseConfig:
    models: dict[str, str] | None = None    # real model name -> stand-in directory
    multipl_t: str = ""                     # directory of the MultiPL-T stand-in ("" = not needed)
    multipl_e: str = ""                     # directory of the MultiPL-E stand-in ("" = not needed)
    infilling: str = ""                     # directory of the human-eval-infilling stand-in ("" = not needed)
    langs: tuple[str, ...] = TARGETS
    seed: int = 0                           # model i is initialised with seed + i


@dataclass(frozen=True)
class AddStandinTestsConfig:
    functions: int = 3                      # our functions added when testgen validated none


@dataclass(frozen=True)
class AddStandinDataConfig:
    multipl_t: str = ""                     # the stand-in built by `rehearse`
    langs: tuple[str, ...] = TARGETS


def standin_items(langs: tuple[str, ...]) -> dict[str, list[str]]:
    """Per language, complete programs written by us: the translation prompt the pipeline builds for
    a smoke-corpus function, followed by our body for it (MultiPL-T items have the same shape)."""
    from mplt.smoke.material import warmstart_examples
    from mplt.smoke.model import SmokeModelConfig
    examples = warmstart_examples(SmokeModelConfig(corpus=str(CORPUS), warmstart=str(WARMSTART), langs=langs))
    items: dict[str, list[str]] = {lang: [] for lang in langs}
    for example in examples:
        lang = example["id"].rsplit(":", 1)[1]
        if lang in items:
            items[lang].append(example["prompt"].strip() + example["completion"])
    return items


def _tokenizer_texts(items: dict[str, list[str]]) -> list[str]:
    from mplt.models.tiny import shipped_texts
    return shipped_texts() + [text for texts in items.values() for text in texts]


def _sentinels(names: list[str]) -> tuple[str, ...]:
    """The infill sentinels of the real models, so an infill setting finds its tokens."""
    from mplt.infill.formats import get_infill_format, mask_token
    from mplt.models.registry import find_model
    found: list[str] = []
    for name in names:
        spec = find_model(name)
        if spec is not None and spec.infill_format != "none":
            tokens = get_infill_format(spec.infill_format).sentinels
            if spec.infill_format == "codegen2":   # span corruption numbers up to fim_max_spans masks (B2)
                tokens += tuple(mask_token(k) for k in range(1, STANDIN_MASKS + 1))
            found += [t for t in tokens if t not in found]
    return tuple(found)


def write_multipl_t(out: Path, items: dict[str, list[str]]) -> dict[str, int]:
    import datasets

    from mplt.training.data import hub_splits
    names = hub_splits()
    splits = {names.get(lang, lang): datasets.Dataset.from_dict({"content": texts})
              for lang, texts in items.items() if texts}
    datasets.DatasetDict(splits).save_to_disk(str(out))
    return {split: len(ds) for split, ds in splits.items()}


def write_multipl_e(out: Path, langs: tuple[str, ...]) -> dict[str, int]:
    """Our mini benchmark as MultiPL-E records, once as `<lang>.jsonl` (which the directory reader of
    every MultiPL-E-format benchmark takes, mplt/benchmarks/multipl_e.py) and once under the name of
    the file MultiPL-T's trainer read (`humaneval-<lang>-reworded.jsonl`, OCaml `humaneval-ml.jsonl`:
    the `paper` protocol, mplt.benchmarks.paper_prompts); the records are the same."""
    from mplt.benchmarks import load_benchmark
    from mplt.benchmarks.paper_prompts import PROMPT_FILES
    counts = {}
    for lang in langs:
        records = load_benchmark("mini", lang).records
        counts[lang] = write_jsonl(out / f"{lang}.jsonl", records)
        if lang in PROMPT_FILES:
            write_jsonl(out / PROMPT_FILES[lang].name, records)
    return counts


def write_infilling(out: Path) -> dict[str, int]:
    """Our mini benchmark as human-eval-infilling files (one task per solution line), under every
    upstream file name (mplt.benchmarks.humaneval_infilling.FILES)."""
    import gzip
    import json

    from mplt.benchmarks.humaneval import read_records
    from mplt.benchmarks.humaneval_infilling import FILES, single_line_tasks
    from mplt.benchmarks.mini import MINI_PATH
    tasks = [task for record in read_records(MINI_PATH) for task in single_line_tasks(record)]
    out.mkdir(parents=True, exist_ok=True)
    for upstream, _, _ in FILES.values():
        with gzip.open(out / upstream.rsplit("/", 1)[-1], "wt", encoding="utf-8") as f:
            f.writelines(json.dumps(task) + "\n" for task in tasks)
    return {name: len(tasks) for name in FILES}


def run_rehearse(run_dir: Path, config: RehearseConfig, *, progress: bool = True) -> dict:
    from mplt.models.load import pick_device, pick_dtype
    from mplt.models.standin import StandinSize, architecture_of, build_standin, train_standin_tokenizer
    out = stage_dir(run_dir, "rehearse")
    with stage_log(run_dir, "rehearse") as log:
        start = time.monotonic()
        models = dict(config.models or {})
        items = standin_items(tuple(config.langs))
        size = StandinSize()
        tokenizer = train_standin_tokenizer(_tokenizer_texts(items), size, _sentinels(list(models)))
        built = {}
        for i, (name, directory) in enumerate(sorted(models.items())):
            architecture, context = architecture_of(name)
            built[name] = {"directory": directory,
                           **build_standin(directory, architecture, tokenizer, context, config.seed + i, size)}
            log.info("rehearse: %s stands in for %s: %s", directory, name, built[name])
        data = {}
        if config.multipl_t:
            data["multipl_t"] = {"directory": config.multipl_t, "stands_in_for": "nuprl/MultiPL-T",
                                 "rows": write_multipl_t(Path(config.multipl_t), items)}
        if config.multipl_e:
            data["multipl_e"] = {"directory": config.multipl_e, "stands_in_for": "nuprl/MultiPL-E",
                                 "source": "mplt's own mini benchmark",
                                 "rows": write_multipl_e(Path(config.multipl_e), tuple(config.langs))}
        if config.infilling:
            data["infilling"] = {"directory": config.infilling, "stands_in_for": "openai/human-eval-infilling",
                                 "source": "mplt's own mini benchmark, each solution line masked in turn",
                                 "rows": write_infilling(Path(config.infilling))}
        log.info("rehearse: stand-in data %s", data)
        device = pick_device()
        summary = {"stage": "rehearse", "kind": "rehearsal stand-ins", "device": device,
                   "dtype": str(pick_dtype(device)).removeprefix("torch."), "stand_in_models": len(built),
                   "models": built,
                   "data": data, "seconds": round(time.monotonic() - start, 2)}
        write_summary(out, "rehearse", summary)
    return summary


def standin_functions(count: int) -> list[dict]:
    """The first `count` smoke-corpus functions with our tests, as `testgen` would hand them on."""
    from mplt.config import load_toml
    from mplt.pipeline.types import Unresolvable, infer_types
    from mplt.smoke.material import corpus_functions
    functions = corpus_functions(str(CORPUS))
    records = []
    for name, entry in list(load_toml(WARMSTART).items())[:count]:
        tests = list(entry["tests"])
        try:
            types, reason = infer_types(functions[name]["source"], name, tests).to_record(), ""
        except Unresolvable as e:
            types, reason = None, str(e)
        records.append({**functions[name], "tests": tests, "tests_failed": [], "coverage": 100,
                        "types": types, "types_reason": reason, "standin": True})
    return records


def run_add_standin_tests(run_dir: Path, config: AddStandinTestsConfig, *, progress: bool = True) -> dict:
    from mplt.pipeline.common import require_inputs
    path = require_inputs(run_dir, "add-standin-tests", config)["testgen"] / "functions.jsonl"
    out = stage_dir(run_dir, "add-standin-tests")
    with stage_log(run_dir, "add-standin-tests") as log:
        start = time.monotonic()
        kept = [f for f in read_jsonl(path) if not f.get("standin")]
        added = standin_functions(config.functions) if not kept else []
        write_jsonl(path, kept + added)
        log.info("add-standin-tests: testgen kept %d functions; %d of ours added", len(kept), len(added))
        summary = {"stage": "add-standin-tests", "testgen_kept": len(kept), "added": len(added),
                   "functions": [f["name"] for f in added]}
        write_summary(out, "add-standin-tests", summary, time.monotonic() - start)
    return summary


def run_add_standin_data(run_dir: Path, config: AddStandinDataConfig, *, progress: bool = True) -> dict:
    import datasets

    from mplt.training.data import hub_splits
    names = hub_splits()
    out = stage_dir(run_dir, "add-standin-data")
    with stage_log(run_dir, "add-standin-data") as log:
        start = time.monotonic()
        standins = datasets.load_from_disk(config.multipl_t)
        counts = {}
        for lang in config.langs:
            source = Path(run_dir) / "dataset" / lang / "train.jsonl"
            own = [r for r in read_jsonl(source) if r.get("content", "").strip()] if source.exists() else []
            split = names.get(lang, lang)
            extra = [] if own or split not in standins else \
                [{"content": c, "language": lang, "standin": True} for c in standins[split]["content"]]
            write_jsonl(out / lang / "train.jsonl", own + extra)
            counts[lang] = {"from_dataset": len(own), "standin": len(extra)}
        log.info("add-standin-data: %s", counts)
        summary = {"stage": "add-standin-data", "standin_items": sum(c["standin"] for c in counts.values()),
                   "languages": counts}
        write_summary(out, "add-standin-data", summary, time.monotonic() - start)
    return summary
