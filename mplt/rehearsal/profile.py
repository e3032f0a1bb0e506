"""`reproduce.py run --profile P --rehearse`: every stage of a GPU profile, on this machine, in minutes
(docs/rehearsal.md).

A rehearsal is the profile itself after one transform, `rehearse_profile`:
* each model is replaced by a randomly initialised tiny one of the same architecture family, built
  by the first stage, `rehearse` (`mplt.models.standin`);
* each Hub dataset by a local stand-in with the same columns, written from our own material
  (`mplt.rehearsal.standins`): the MultiPL-T splits (`content`), and for the benchmark our mini benchmark in
  MultiPL-E's record format (or the file the user names with `--benchmark-path`);
* sample counts are cut (`RehearsalLimits`): functions selected, samples per prompt, problems;
* everything else is the profile's: 4-bit, batch sizes, sequence lengths, LoRA targets (the
  registry's `auto` targets are resolved for the real model first), warmup and schedule, sampling
  and evaluation settings. The device is chosen as in a real run (a GPU when there is one); on CPU
  the run computes in bf16 as a GPU run does (`rehearsal_dtype`).
A random model writes no passing test or translation, so the data stages would hand nothing on and
later stages would have nothing to work on; two rehearsal stages add our own validated functions
after `testgen` and our own items after `dataset` when (and only when) the stage before kept none,
and say so. `check` is left out (random models have no expected figures) and the report says
REHEARSAL at the top. Nothing is downloaded, so the Hub preflight does not apply.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mplt.run.profiles import Profile
from mplt.stages.registry import STAGES

# Which config fields name a model, and which stages sample, is each stage's own declaration.
MODEL_KEYS = {name: stage.models for name, stage in STAGES.items() if stage.models}
SAMPLING_STAGES = tuple(name for name, stage in STAGES.items() if stage.samples)
TRAINING_STAGES = ("finetune", "infill-lesson")   # tables with a model and [<stage>.settings] of TrainConfig


@dataclass(frozen=True)
class RehearsalLimits:
    functions: int = 4          # [select] max_functions
    samples: int = 2            # n of testgen, translate and evaluate
    problems: int = 2           # [evaluate] limit: problems per language
    standin_functions: int = 3  # our validated functions added when testgen kept none
    langs: tuple[str, ...] = ()  # keep only these of the profile's languages (() = all of them)
    dtype: str = "auto"         # "auto": the device's choice on a GPU, bf16 on CPU (`rehearsal_dtype`)
    seed: int = 0


def rehearsal_dtype(requested: str = "auto", cuda: bool | None = None) -> str:
    """The dtype a rehearsal computes in: the requested one, else the per-device choice on a GPU, and
    bf16 on CPU, as a GPU run computes: bitsandbytes 0.48.2 runs 4-bit layers in bf16 on CPU too, so
    a dtype mismatch shows up before a GPU hour is spent (docs/rehearsal.md)."""
    if requested != "auto":
        return requested
    if cuda is None:
        import torch
        cuda = torch.cuda.is_available()
    return "auto" if cuda else "bfloat16"


def _set_dtype(tables: dict[str, dict], dtype: str) -> None:
    """Every stage that loads a model computes in `dtype`, unless the profile names one itself."""
    if dtype == "auto":
        return
    for stage in SAMPLING_STAGES:
        if stage in tables and tables[stage].get("dtype", "auto") == "auto":
            tables[stage]["dtype"] = dtype
    for stage in TRAINING_STAGES:
        if stage not in tables:
            continue
        settings = dict(tables[stage].get("settings") or {})
        if settings.get("compute_dtype", "auto") == "auto":
            settings["compute_dtype"] = dtype
        tables[stage]["settings"] = settings


def standin_dir(run_dir: Path, name: str) -> Path:
    """Where the stand-in for model `name` is built: one directory per distinct name."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name.strip("/")) or "model"
    return Path(run_dir) / "rehearse" / "models" / safe[-80:]


def rehearse_profile(profile: Profile, run_dir: str | Path, limits: RehearsalLimits = RehearsalLimits(),
                     benchmark_path: str | None = None) -> Profile:
    """The profile as a rehearsal runs it (see the module docstring)."""
    run_dir = Path(run_dir)
    tables = {stage: dict(table) for stage, table in profile.tables.items()}
    models: dict[str, str] = {}

    def substitute(name: str) -> str:
        if not name:
            return name
        models.setdefault(name, str(standin_dir(run_dir, name)))
        return models[name]

    for stage, keys in MODEL_KEYS.items():
        for key in keys:
            if stage in tables and tables[stage].get(key):
                original = tables[stage][key]
                if stage in TRAINING_STAGES:
                    tables[stage]["settings"] = _resolved_targets(tables[stage].get("settings") or {}, original)
                tables[stage][key] = substitute(original)
    for stage, key in (("finetune", "revision"), ("evaluate", "base_revision")):
        tables.get(stage, {}).pop(key, None)
    stages = [s for s in profile.run.stages if s != "check"]
    data = _rehearse_data(tables, run_dir, stages)
    _cut_counts(tables, limits)
    if limits.langs:
        _keep_langs(tables, limits.langs)
    multipl_e = _rehearse_benchmark(tables, run_dir, benchmark_path)
    lesson = _rehearse_infill_lesson(tables, run_dir, limits, benchmark_path)
    _set_dtype(tables, rehearsal_dtype(limits.dtype))
    tables["rehearse"] = {"models": models, "multipl_t": data.get("multipl_t") or lesson.get("multipl_t", ""),
                          "multipl_e": multipl_e or lesson.get("multipl_e", ""),
                          "infilling": lesson.get("infilling", ""), "langs": list(_all_langs(tables)),
                          "seed": limits.seed}
    planned = ["rehearse"]
    for stage in stages:
        planned.append(stage)
        if stage == "testgen" and "translate" in stages:
            planned.append("add-standin-tests")
            tables["add-standin-tests"] = {"functions": limits.standin_functions}
            tables.setdefault("testgen", {})["allow_empty"] = True
        if stage == "dataset" and data.get("top_up"):
            planned.append("add-standin-data")
            tables["add-standin-data"] = {"multipl_t": data["multipl_t"], "langs": list(tables["finetune"]["langs"])}
            for emptied in {"translate", "dataset"} & set(stages):   # a random model passes no translation
                tables.setdefault(emptied, {})["allow_empty"] = True
    run = dataclasses.replace(
        profile.run, stages=tuple(planned), needs_hub=False, needs_gpu=False, hub_models=(), hub_datasets=(),
        description=f"REHEARSAL of {profile.name}: {profile.run.description}",
        estimate="rehearsal: random tiny models and cut sample counts; measured times in docs/rehearsal.md",
        notes="Rehearsal: random tiny stand-in models and local stand-in data; its figures say that every "
              "stage ran with the profile's settings, nothing about MultiPL-T.")
    return dataclasses.replace(profile, run=run, tables=tables)


def _resolved_targets(settings: dict[str, Any], model: str) -> dict[str, Any]:
    """`auto` LoRA targets are the registry's for the real model; a stand-in directory has no
    registry entry, so they are written out before the model is substituted."""
    from mplt.models.registry import find_model
    from mplt.training.model import resolve_lora_targets
    settings = dict(settings)
    spec = find_model(model)
    if spec is not None and settings.get("lora_targets", "auto") in ("auto", ["auto"]):
        targets = resolve_lora_targets("auto", spec)
        settings["lora_targets"] = targets if isinstance(targets, str) else list(targets)
    return settings


def _rehearse_data(tables: dict[str, dict], run_dir: Path, stages: list[str]) -> dict[str, Any]:
    """Point a Hub dataset at the local MultiPL-T stand-in; the run's own dataset gets a top-up stage."""
    finetune = tables.get("finetune")
    if not finetune or "finetune" not in stages:
        return {}
    multipl_t = str(run_dir / "rehearse" / "multipl-t")
    source = str(finetune.get("data", ""))
    own = Path(source) in (run_dir, run_dir / "dataset")
    if own and "dataset" in stages:
        finetune["data"] = str(run_dir / "add-standin-data")
        return {"multipl_t": multipl_t, "top_up": True}
    if not own and not Path(source).expanduser().exists():
        finetune["data"] = multipl_t
        return {"multipl_t": multipl_t}
    return {}


def _cut_counts(tables: dict[str, dict], limits: RehearsalLimits) -> None:
    select = tables.get("select")
    if select is not None:
        select["max_functions"] = min(select.get("max_functions") or limits.functions, limits.functions)
        if select.get("source") == "hf":     # a Hub dataset of Python code: our smoke corpus stands in
            from mplt.run.profiles import DATA_DIR
            select.update(source="dir", path=str(DATA_DIR / "smoke_corpus"))
            select.pop("hf_name", None)
    for stage in SAMPLING_STAGES:
        if stage in tables and not tables[stage].get("samples_file"):
            tables[stage]["n"] = min(tables[stage].get("n", limits.samples), limits.samples)
    if "evaluate" in tables:
        tables["evaluate"]["limit"] = min(tables["evaluate"].get("limit") or limits.problems, limits.problems)


def _keep_langs(tables: dict[str, dict], langs: tuple[str, ...]) -> None:
    from mplt.errors import MpltError
    from mplt.langs import get_language
    wanted = {get_language(lang).name for lang in langs}
    present = set(_all_langs(tables))
    if not wanted & present:
        raise MpltError(f"--langs {','.join(langs)}: none of the profile's languages ({', '.join(sorted(present))})")
    for table in tables.values():
        for key in ("langs", "languages"):
            if isinstance(table.get(key), list):
                table[key] = [lang for lang in table[key] if get_language(lang).name in wanted]
        if isinstance(table.get("finetuned_revisions"), dict):
            table["finetuned_revisions"] = {k: v for k, v in table["finetuned_revisions"].items()
                                            if get_language(k).name in wanted}


def _rehearse_benchmark(tables: dict[str, dict], run_dir: Path, benchmark_path: str | None) -> str:
    """The evaluation's benchmark without its download: the profile's or the user's local copy
    (`benchmark_path`), else the stand-in the benchmark declares (mplt.benchmarks.contract: our mini
    benchmark as MultiPL-E records, or its HumanEval file). Returns the directory to build ("")."""
    evaluate = tables.get("evaluate")
    if evaluate is None or evaluate.get("benchmark_path"):
        return ""
    from mplt.benchmarks import DEFAULT_BENCHMARK, get_benchmark
    from mplt.evaluation.protocols import get_protocol
    # the benchmark that will run: a protocol may fix it (`paper` reads the paper's prompt files)
    protocol = get_protocol(evaluate.get("protocol", "multipl-e"), "[evaluate] protocol")
    benchmark = get_benchmark(protocol.benchmark or evaluate.get("benchmark", DEFAULT_BENCHMARK))
    if not benchmark.local_copy:
        return ""       # package data: nothing to stand in for
    if benchmark_path:
        evaluate["benchmark_path"] = benchmark_path
        return ""
    if benchmark.standin == "records":
        evaluate["benchmark_path"] = str(run_dir / "rehearse" / "multipl-e")
        return evaluate["benchmark_path"]
    if benchmark.standin == "humaneval":
        from mplt.benchmarks.mini import MINI_PATH
        evaluate["benchmark_path"] = str(MINI_PATH)
    return ""


def _rehearse_infill_lesson(tables: dict[str, dict], run_dir: Path, limits: RehearsalLimits,
                            benchmark_path: str | None) -> dict[str, str]:
    """[infill-lesson] (mplt/infill/lesson.py) as [finetune] and [evaluate] are rehearsed: the
    MultiPL-T stand-in, our mini benchmark as MultiPL-E records and as infilling tasks, cut counts.
    Returns the stand-in directories the `rehearse` stage must write."""
    table = tables.get("infill-lesson")
    if table is None:
        return {}
    made = {}
    if not Path(str(table.get("data", ""))).expanduser().exists():
        table["data"] = made["multipl_t"] = str(run_dir / "rehearse" / "multipl-t")
    if not table.get("benchmark_path"):
        table["benchmark_path"] = benchmark_path or str(run_dir / "rehearse" / "multipl-e")
        if not benchmark_path:
            made["multipl_e"] = table["benchmark_path"]
    if not table.get("infill_benchmark_path"):
        table["infill_benchmark_path"] = made["infilling"] = str(run_dir / "rehearse" / "human-eval-infilling")
    table["limit"] = min(table.get("limit") or limits.problems, limits.problems)
    if table.get("infill_n"):
        table["infill_n"] = min(table["infill_n"], limits.samples)
    return made


def _all_langs(tables: dict[str, dict]) -> tuple[str, ...]:
    from mplt.langs import TARGETS
    found: list[str] = []
    for table in tables.values():
        for key in ("langs", "languages"):
            found += [lang for lang in table.get(key) or () if lang not in found]
    return tuple(found) or tuple(TARGETS)
