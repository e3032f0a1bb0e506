"""Stage `translate`: each validated function into each target language, validated by running
(docs/method.md, section 3).

Per language, under `RUN/translate/<lang>/`:
1. `problems.jsonl` (MultiPL-E records, `add_canonical=True`: the Python body as a
   `## Canonical Python Solution ##` comment block above the docstring) and `skipped.jsonl`
   (function id + reason: untranslatable, or no inferred types for OCaml/Julia);
2. `completions.jsonl`: n completions per problem (generation backend, or `samples_file`);
3. `results.jsonl`: prompt + completion + tests run in the sandbox; a completion passes only
   with status OK (never exit code alone: Racket exits 0 on failures, docs/method.md, section 3.4);
4. `outcomes.jsonl`: per problem the passing programs (prompt + completion, no tests), the first
   failing one, and pass_rate.
A language whose toolchain is missing (Julia may be) is skipped with the reason recorded.
`summary.json` (per-language counts) is written last.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mplt.config import flat
from mplt.errors import MpltError
from mplt.execution.limits import check_timeout, program_limits
from mplt.generation.config import SamplingConfig
from mplt.io import read_jsonl, write_jsonl
from mplt.langs import TARGETS, get_language, get_target, target_languages
from mplt.pipeline.common import begin_stage, require_inputs, require_kept, stage_dir, stage_log, write_summary
from mplt.pipeline.execute import execute_jobs
from mplt.pipeline.problems import build_python_problem
from mplt.pipeline.sampling import Sampler, file_sampler, model_sampler
from mplt.translation import Skip, build_program, translate_problem


@dataclass(frozen=True)
class TranslateConfig:
    languages: tuple[str, ...] = tuple(TARGETS)
    model: str = ""                 # the paper used StarCoderBase-15B
    samples_file: str = ""          # pre-generated completions ({id|name, language, completions})
    # n, temperature, top_p, max_new_tokens, batch_size, seed, backend: flat keys of [translate];
    # n: the paper's is 50 (docs/method.md, section 3.3), scaled down by default
    sampling: SamplingConfig = flat(SamplingConfig(n=10, temperature=0.8, batch_size=8))
    dtype: str = "auto"             # model dtype; "auto": bf16 on GPU, fp32 on CPU (smoke: float64)
    timeout_s: float = 0.0          # per program; 0 = the language's default (15 s, docs/method.md, section 3.4)
    workers: int = 0
    allow_empty: bool = False       # keep nothing without failing (a rehearsal: stand-ins follow)

    def validate(self) -> None:
        """Checked when the profile is read, before the stage runs (docs/bad-input.md); 0 keeps
        meaning the language's default."""
        check_timeout(self.timeout_s or None, "[translate] timeout_s")


def resolve_languages(config: TranslateConfig) -> list[str]:
    names = []
    for name in config.languages:
        try:
            names.append(get_language(name).name)
        except (KeyError, ValueError, MpltError) as e:
            raise MpltError(f"[translate] unknown language {name!r} (known: {', '.join(target_languages())})") from e
    bad = [n for n in names if not get_language(n).is_target]
    if bad:
        raise MpltError(f"[translate] {', '.join(bad)} is not a target language ({', '.join(target_languages())})")
    return names


def is_typed_language(language: str) -> bool:
    return get_target(language).typed_signature


def build_problems(functions: list[dict], language: str) -> tuple[list[dict], list[dict]]:
    """(problem records, skipped records) for one language."""
    problems, skipped = [], []
    for function in functions:
        if is_typed_language(language) and not function.get("types"):
            skipped.append({"id": function["id"], "language": language, "reason": "no inferred types",
                            "detail": function.get("types_reason", "")})
            continue
        # No reference check (mplt/translation/guard.py): these tests came from running this very
        # function (testgen), and the paper's translation step has none (MultiPL-T, section 3).
        out = translate_problem(build_python_problem(function), language, add_canonical=True,
                                drop_failing_tests=True, check_reference=False)
        if isinstance(out, Skip):
            skipped.append({"id": function["id"], "language": language, "reason": out.reason,
                            "detail": out.detail})
        else:
            problems.append({"id": out.name, "function_id": function["id"], **out.to_record()})
    return problems, skipped


def build_translation_prompts(function: dict, languages: list[str]) -> dict[str, str]:
    """The translation prompt per language for one validated function, exactly as the stage asks
    it (languages the function is skipped for are absent). Used to build warm-start material."""
    prompts = {}
    for language in languages:
        problems, _ = build_problems([function], get_language(language).name)
        if problems:
            prompts[language] = problems[0]["prompt"]
    return prompts


def make_sampler(config: TranslateConfig, language: str, progress: bool) -> Sampler:
    if config.samples_file:
        return file_sampler(config.samples_file, language=language)
    return model_sampler(config.model, config.sampling, dtype=config.dtype, progress=progress)


def run_translate(run_dir: Path, config: TranslateConfig = TranslateConfig(), *, progress: bool = True,
                  sampler: Sampler | None = None) -> dict:
    """`sampler`, when given, is used for every language (prompts carry `language`)."""
    languages = resolve_languages(config)
    functions = list(read_jsonl(require_inputs(run_dir, "translate", config)["testgen"] / "functions.jsonl"))
    out = begin_stage(run_dir, "translate", config)
    with stage_log(run_dir, "translate") as log:
        start = time.monotonic()
        summary = {"stage": "translate", "functions_in": len(functions), "languages": {}}
        for language in languages:
            lang_sampler = sampler or make_sampler(config, language, progress)
            summary["languages"][language] = translate_language(
                run_dir, functions, language, config, lang_sampler, progress, log)
        per_lang = summary["languages"]
        shown = ", ".join(f"{lang} " + (v.get("skipped_language") or f"0/{v['translatable']}")
                          for lang, v in per_lang.items())
        require_kept("translate", sum(v["with_pass"] for v in per_lang.values()),
                     f"no function has a passing translation in any language ({shown})",
                     allow_empty=config.allow_empty, log=log)
        summary["seconds"] = round(time.monotonic() - start, 2)
        write_summary(out, "translate", summary)
    return summary


def translate_language(run_dir: Path, functions: list[dict], language: str, config: TranslateConfig,
                       sampler: Sampler, progress: bool, log) -> dict:
    out = stage_dir(run_dir, f"translate/{language}")
    if get_language(language).find_executable() is None:
        reason = f"{get_language(language).display_name} toolchain not installed"
        log.warning("translate: skipping %s: %s", language, reason)
        return {"skipped_language": reason, "functions_in": len(functions), "translatable": 0,
                "with_pass": 0}
    problems, skipped = build_problems(functions, language)
    write_jsonl(out / "problems.jsonl", problems)
    write_jsonl(out / "skipped.jsonl", skipped)
    log.info("translate %s: %d problems, %d skipped", language, len(problems), len(skipped))
    prompts = [{"id": p["id"], "name": p["entry_point"], "language": language, "prompt": p["prompt"],
                "stop_tokens": p["stop_tokens"]} for p in problems]
    completions = {c["id"]: c.get("completions", []) for c in sampler(prompts, out / "completions.jsonl")}
    jobs = [{"id": f"{p['id']}:{i}", "language": language, "program": build_program(p, c)}
            for p in problems for i, c in enumerate(completions.get(p["id"], []))]
    timeout = config.timeout_s or None
    results = execute_jobs(jobs, out / "results.jsonl", limits=program_limits(timeout),
                           workers=config.workers, progress=progress, description=f"translate: {language}")
    outcomes = []
    statuses: Counter[str] = Counter()
    for p in problems:
        passing, failing = [], ""
        samples = completions.get(p["id"], [])
        for i, completion in enumerate(samples):
            status = results[f"{p['id']}:{i}"]["status"]
            statuses[status] += 1
            if status == "OK":
                passing.append(p["prompt"] + completion)
            elif not failing:
                failing = p["prompt"] + completion
        outcomes.append({"id": p["id"], "function_id": p["function_id"], "language": language,
                         "n": len(samples), "passed": len(passing),
                         "pass_rate": len(passing) / len(samples) if samples else 0.0,
                         "passing": passing, "failing_content": failing, "tests": p["tests"]})
    write_jsonl(out / "outcomes.jsonl", outcomes)
    summary = {"functions_in": len(functions), "translatable": len(problems),
               "skipped": dict(Counter(s["reason"] for s in skipped)), "completions": len(jobs),
               "passed_completions": statuses["OK"], "statuses": dict(sorted(statuses.items())),
               "with_pass": sum(1 for o in outcomes if o["passed"])}
    log.info("translate %s: %s", language, summary)
    return summary
