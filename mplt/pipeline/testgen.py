"""Stage `testgen`: tests written by the LLM and validated by running them (docs/method.md, section 2).

Steps, each streamed to a file under `RUN/testgen/` so a killed run resumes where it stopped:
1. `prompts.jsonl`: function source + three-line header + `assert name(` (`assertions.py`);
2. `samples.jsonl`: k completions per function (generation backend, or `samples_file`); a
   prompt longer than the model's context gets no completions (the backend records why) rather
   than being cut on the right, which would lose the `assert name(` tail (docs/method.md, sections 2.2, 10.3);
3. assertions parsed with `ast`, pooled and deduplicated across samples;
4. `assertion_results.jsonl`: each assertion run alone with the function (5 s timeout); passing
   ones become `tests`, the others `tests_failed`; functions without a passing test are dropped;
5. `coverage_results.jsonl`: statement coverage of the body (`coverage.py`), kept if >= threshold;
6. types inferred from the passing tests (`types.py`).
Outputs: `functions.jsonl` (the validated functions) and `summary.json` (the funnel) last.
"""
from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mplt.config import flat
from mplt.execution.limits import check_timeout, program_limits
from mplt.generation.config import SamplingConfig
from mplt.io import read_jsonl, write_jsonl
from mplt.pipeline import assertions as asserts
from mplt.pipeline.common import (begin_stage, funnel_text, require_inputs, require_kept, stage_log,
                                  write_summary)
from mplt.pipeline.coverage import build_coverage_program, parse_coverage_output
from mplt.pipeline.execute import execute_jobs
from mplt.pipeline.funnel import Funnel
from mplt.pipeline.sampling import Sampler, file_sampler, model_sampler
from mplt.pipeline.types import Unresolvable, infer_types


@dataclass(frozen=True)
class TestgenConfig:
    model: str = ""                 # registry name or directory; the paper used StarCoder-15B
    samples_file: str = ""          # pre-generated completions instead of the model
    # n, temperature, top_p, max_new_tokens, batch_size, seed, backend: flat keys of [testgen];
    # 5 samples per function (docs/method.md, section 2.2)
    sampling: SamplingConfig = flat(SamplingConfig(n=5, max_new_tokens=400, batch_size=8))
    dtype: str = "auto"             # model dtype; "auto": bf16 on GPU, fp32 on CPU (smoke: float64)
    test_timeout_s: float = 5.0     # per assertion (code_exec_server)
    coverage_timeout_s: float = 60.0
    min_coverage: int = 90          # percent; dirty_proc_dataset.py default (docs/method.md, section 2.5)
    workers: int = 0                # parallel sandboxed programs (0 = one per core)
    allow_empty: bool = False       # keep nothing without failing (a rehearsal: stand-ins follow)

    def validate(self) -> None:
        """Checked when the profile is read, before the stage runs (docs/bad-input.md)."""
        check_timeout(self.test_timeout_s, "[testgen] test_timeout_s")
        check_timeout(self.coverage_timeout_s, "[testgen] coverage_timeout_s")


def assertion_job_id(function_id: str, assertion: str) -> str:
    return f"{function_id}:{hashlib.sha1(assertion.encode()).hexdigest()[:12]}"


def make_sampler(config: TestgenConfig, progress: bool) -> Sampler:
    if config.samples_file:
        return file_sampler(config.samples_file)
    return model_sampler(config.model, config.sampling, dtype=config.dtype, progress=progress)


def run_testgen(run_dir: Path, config: TestgenConfig = TestgenConfig(), *, progress: bool = True,
                sampler: Sampler | None = None) -> dict:
    functions = list(read_jsonl(require_inputs(run_dir, "testgen", config)["select"] / "functions.jsonl"))
    out = begin_stage(run_dir, "testgen", config)
    sampler = sampler or make_sampler(config, progress)
    with stage_log(run_dir, "testgen") as log:
        start = time.monotonic()
        funnel = Funnel()
        funnel.record("functions_in", len(functions))
        prompts = [{"id": f["id"], "name": f["name"], "prompt": asserts.build_testgen_prompt(f["source"], f["name"]),
                    "stop_tokens": list(asserts.TESTGEN_STOP_TOKENS)} for f in functions]
        write_jsonl(out / "prompts.jsonl", prompts)
        log.info("testgen: sampling %d completions for %d functions", config.sampling.n, len(prompts))
        samples = {s["id"]: s.get("completions", []) for s in sampler(prompts, out / "samples.jsonl")}

        rejected: Counter[str] = Counter()
        candidates = {f["id"]: asserts.pool_assertions(f["name"], samples.get(f["id"], []), rejected)
                      for f in functions}
        funnel.record("with_assertions", sum(1 for c in candidates.values() if c))
        require_kept("testgen", sum(1 for c in candidates.values() if c),
                     f"no completion held a usable assertion ({sum(len(c) for c in samples.values())} "
                     f"completions for {len(functions)} functions; "
                     f"rejected: {funnel_text(dict(rejected)) or 'none'})",
                     allow_empty=config.allow_empty, log=log)
        jobs = [{"id": assertion_job_id(f["id"], a), "language": "py",
                 "program": asserts.build_assertion_program(f["source"], a)}
                for f in functions for a in candidates[f["id"]]]
        log.info("testgen: running %d assertions", len(jobs))
        results = execute_jobs(jobs, out / "assertion_results.jsonl", limits=program_limits(config.test_timeout_s),
                               workers=config.workers, progress=progress, description="testgen: assertions")
        validated = []
        statuses: Counter[str] = Counter()
        for f in functions:
            tests, failed = [], []
            for a in candidates[f["id"]]:
                status = results[assertion_job_id(f["id"], a)]["status"]
                statuses[status] += 1
                (tests if status == "OK" else failed).append(a)
            if tests:
                validated.append({**f, "tests": tests, "tests_failed": failed})
        funnel.record("with_passing_test", len(validated))
        # All-`Exception` statuses usually mean the sandbox itself is broken, not the tests.
        require_kept("testgen", len(validated), f"no assertion passed ({len(jobs)} run; statuses: "
                     f"{funnel_text(dict(sorted(statuses.items())))}; `reproduce.py doctor` checks the sandbox)",
                     allow_empty=config.allow_empty, log=log)

        coverage_jobs = [{"id": f["id"], "language": "py",
                          "program": build_coverage_program(f["source"], f["name"], f["tests"])}
                         for f in validated]
        coverage = execute_jobs(coverage_jobs, out / "coverage_results.jsonl",
                                limits=program_limits(config.coverage_timeout_s), workers=config.workers,
                                progress=progress, description="testgen: coverage")
        kept = []
        for f in validated:
            measured = parse_coverage_output(coverage[f["id"]].get("stdout", ""))
            f["coverage"] = measured["coverage"] if measured else -1
            if f["coverage"] >= config.min_coverage:
                kept.append(_with_types(f))
        funnel.record("with_coverage", len(kept))
        require_kept("testgen", len(kept), f"none of {len(validated)} functions with passing tests reached "
                     f"min_coverage {config.min_coverage}",
                     allow_empty=config.allow_empty, log=log)
        funnel.record("typed", sum(1 for f in kept if f["types"]))
        write_jsonl(out / "functions.jsonl", kept)
        elapsed = time.monotonic() - start
        summary = {"stage": "testgen", "functions": len(kept), "assertions_parsed": len(jobs),
                   "assertions_passed": statuses["OK"],
                   "assertions_rejected": dict(sorted(rejected.items())),
                   "assertion_statuses": dict(sorted(statuses.items())), "seconds": round(elapsed, 2), **funnel.to_dict()}
        log.info("testgen: %d of %d functions validated in %.1fs\n%s", len(kept), len(functions),
                 elapsed, funnel.format_table())
        write_summary(out, "testgen", summary)
    return summary


def _with_types(function: dict) -> dict:
    try:
        types = infer_types(function["source"], function["name"], function["tests"])
        return {**function, "types": types.to_record(), "types_reason": ""}
    except Unresolvable as e:
        return {**function, "types": None, "types_reason": str(e)}
