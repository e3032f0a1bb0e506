"""Write `RUN/report/`: results.json (every figure), report.md (readable without running anything),
check.json and the PNG plots that report.md embeds.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from mplt.errors import MpltError
from mplt.infill.lesson_report import TABLE as INFILL_TABLE, section_infill_lesson
from mplt.io import read_json, write_json
from mplt.results import plots
from mplt.results.check import CheckRow, check_run, format_number, rows_to_json
from mplt.results.julia_version import julia_version, julia_warning
from mplt.results.published import (BASE_1B, EPOCH_CURVES, FAMILY, MULTIPLT_1B, NUM_PROBLEMS, SAMPLES_PER_PROBLEM,
                                    family_of)
from mplt.results.collect import collect_results, write_results
from mplt.results.what_ran import section_what_ran, table
from mplt.stages.summary import SUMMARY

log = logging.getLogger(__name__)
SMOKE_BANNER = (
    "> **Smoke profile: these numbers check the machinery, not the method.** The model is a tiny model "
    "built locally on CPU and the benchmark is our own mini benchmark, so these figures say that every "
    "stage ran. The tiny model was warm-started on our solutions to a third of the mini benchmark, so its "
    "pass@1 measures memorisation (about 1/3 for the base model; fine-tuning on other material erodes it), "
    "and the problems it never saw fail. It says nothing about MultiPL-T, and it "
    "must not be compared with the published figures below, which are shown for orientation only.")
REHEARSAL_BANNER = (
    "> **REHEARSAL: every stage of profile `{profile}` ran with the profile's settings, but with randomly "
    "initialised tiny models of the same architectures, local stand-in data written by us and cut sample "
    "counts** (`reproduce.py run --rehearse`, docs/rehearsal.md). The figures below say that the stages ran "
    "on this machine ({device}, {dtype}); they say nothing about MultiPL-T. Not checked against expected results; "
    "no Hub access was checked or needed.")
NEVER_RUN = {"scaled": "> The `scaled` profile's expected results are sanity ranges and claims: the "
                       "authors of mplt have not run it (no GPU was available to them)."}


def section_funnel(results: dict, png: Path | None) -> str:
    parts = ["## Data funnel"]
    by_stage = results["tables"].get("funnel_by_stage") or {}
    for stage, counts in by_stage.items():
        parts += ["", f"`{stage}` (count after each filter):", "",
                  table(["Step", "Count"], [[s, c] for s, c in counts.items()])]
    by_lang = results["tables"].get("funnel_by_language") or {}
    if by_lang:
        langs = plots.ordered_languages(by_lang)
        steps: list[str] = []
        for counts in by_lang.values():
            steps += [s for s in counts if s not in steps]
        parts += ["", "Per language (`translate`, then `dataset`):", "",
                  table(["Step", *langs], [[s, *(by_lang[x].get(s) for x in langs)] for s in steps])]
    if png:
        parts += ["", f"![Data funnel per language]({png.name})"]
    if not by_stage and not by_lang:
        parts += ["", "No data stage has finished in this run (not run)."]
    return "\n".join(parts)


def section_finetune(results: dict, png: Path | None) -> str:
    """One row per fine-tune (per language with `mix = "separate"`), one column per figure."""
    figures = results["figures"]
    columns = ("steps", "tokens", "first_loss", "final_loss", "initial_eval_loss", "final_eval_loss")
    runs: dict[str, dict] = {}
    for key, value in figures.items():
        if key.startswith("finetune."):
            prefix, name = key.rsplit(".", 1)
            runs.setdefault(prefix.removeprefix("finetune").lstrip(".") or "all", {})[name] = value
    if not runs:
        return "## Fine-tuning\n\nNot run (no `metrics.jsonl` under `finetune/`)."
    used = [c for c in columns if any(c in r for r in runs.values())]
    rows = [[name, *(r.get(c) for c in used)] for name, r in sorted(runs.items())]
    claims = [f"`{k}`: {format_number(v)}" for k, v in figures.items()
              if k.startswith(("claim.loss_decreased", "claim.eval_loss_decreased"))]
    parts = ["## Fine-tuning", "", table(["Fine-tune", *used], rows)]
    if claims:
        parts += ["", "Claims: " + "; ".join(claims) + "."]
    if png:
        parts += ["", f"![Fine-tuning loss]({png.name})"]
    return "\n".join(parts)


def has_pass_at_1(results: dict) -> bool:
    """Whether the evaluate stage wrote pass@1 figures (base or fine-tuned, any language)."""
    return any(k.startswith(("pass@1.base.", "pass@1.finetuned.")) for k in results["figures"])


def section_pass_at_1(results: dict, png: Path | None, comparable: bool) -> str:
    figures = results["figures"]
    langs = plots.ordered_languages(k.split(".")[2] for k in figures
                                    if k.startswith(("pass@1.base.", "pass@1.finetuned.")))
    if not langs:
        return "## pass@1\n\nNot run (no evaluation summaries under `evaluate/`)."
    jl_warning = julia_warning(julia_version(results["meta"].get("environment") or {}))
    rows, apart = [], []
    for lang in langs:
        base, tuned = figures.get(f"pass@1.base.{lang}"), figures.get(f"pass@1.finetuned.{lang}")
        delta = f"{tuned - base:+.4f}" if base is not None and tuned is not None else None
        setting = next((f"{format_number(figures[f'eval.{v}.{lang}.num_problems'])} problems × "
                        f"n={format_number(figures.get(f'eval.{v}.{lang}.n', '?'))}"
                        for v in ("base", "finetuned") if f"eval.{v}.{lang}.num_problems" in figures), None)
        made = {v: (figures.get(f"eval.{v}.{lang}.protocol"), figures.get(f"eval.{v}.{lang}.precision"))
                for v in ("base", "finetuned")}
        label = "; ".join(sorted({f"{p or 'protocol not recorded'}, {d or '?'}" for p, d in made.values()
                                  if p or d})) or None
        published = []
        for variant, table_1b in (("base", BASE_1B), ("finetuned", MULTIPLT_1B)):
            figure = table_1b.get(lang)
            ours = f"pass@1.{variant}.{lang}" in figures
            info = ((results["meta"].get("evaluation") or {}).get(variant) or {}).get(lang) or {}
            family = family_of(figures.get(f"eval.{variant}.{lang}.comparable_with"), info.get("benchmark"))
            why = figure.comparable(*made[variant], family) if figure and ours and comparable else None
            if why:
                apart.append(f"{variant} {lang} ({why})")
            published.append(None if figure is None else
                             format_number(figure.value) + (" (not compared)" if why else ""))
        rows.append([f"{lang} ⚠" if lang == "jl" and jl_warning else lang, base, tuned, delta, *published,
                     label, setting])
    header = ["Lang", "Ours: base", "Ours: fine-tuned", "Δ", "Published: StarCoderBase-1B",
              "Published: MultiPL-T 1B (best epoch)", "Our protocol, precision", "Our setting"]
    if not any(row[-2] for row in rows):   # a run from before the protocols were recorded
        rows, header = [row[:-2] + row[-1:] for row in rows], header[:-2] + header[-1:]
    named = plots.benchmark_names(results)
    parts = [f"## pass@1{f' on `{named}`' if named else ''}: base vs fine-tuned, beside the published numbers", "",
             table(header, rows), ""]
    parts += delta_lines(figures, langs)
    precision = results["meta"].get("evaluate_precision")
    if precision:
        parts += [f"Precision: {precision}.", ""]
    exits = {k.split(".")[1] + " " + k.split(".")[2]: int(v) for k, v in figures.items()
             if k.startswith("eval.") and k.endswith(".early_exits") and v}
    if exits:
        parts += ["Early exits (status 0 before the tests had run, counted as failures; MultiPL-E counts "
                  "them as passes, docs/deviations.md): " + ", ".join(f"{k} {v}" for k, v in sorted(exits.items())) + ".", ""]
    if jl_warning and "jl" in langs:
        parts += [f"⚠ {jl_warning}", ""]
    if not comparable:
        parts += ["The published columns are HumanEval (MultiPL-E) numbers for a 1B model; this run used "
                  "a different model or a benchmark of another family (docs/benchmarks.md), so they are not "
                  "comparable (plot leaves them out).", ""]
    elif apart:
        parts += ["Not compared with the published figure (another evaluation protocol or precision; the check "
                  "skips these, docs/generation.md, \"Evaluation protocols\"): " + "; ".join(apart) + ".", ""]
    parts += [f"Published numbers: MultiPL-E HumanEval, temperature 0.2, n = {SAMPLES_PER_PROBLEM}, made under the "
              "`paper` protocol (MultiPL-T's trainer: its prompt files, prompt + completion <= 512 tokens, top_k 50) "
              "in bf16; the base figures' protocol is not stated upstream (docs/method.md, sections 6 and 7.1). "
              "Problems per language: "
              + ", ".join(f"{k} {v}" for k, v in NUM_PROBLEMS.items())
              + ". R has no published fine-tuned 1B number (its results.csv is empty). Sources:", ""]
    parts += [f"* base {lang}: {p.source}" for lang, p in BASE_1B.items()]
    parts += [f"* MultiPL-T 1B {lang}: {p.source}" for lang, p in MULTIPLT_1B.items()]
    if png:
        parts += ["", f"![pass@1 per language]({png.name})"]
    return "\n".join(parts)


def section_epochs(results: dict, png: Path | None, comparable: bool) -> str:
    """The per-epoch curve of a full fine-tune (base, then each epoch), the last and the best epoch;
    the published curve beside it where the profile has one and the run is comparable."""
    curves = results["tables"].get("epoch_curves") or {}
    if not curves:
        return ""
    figures = results["figures"]
    published = EPOCH_CURVES.get(results.get("profile") or "", {}) if comparable else {}
    rows = []
    for lang in plots.ordered_languages(curves):
        ours = published.get(lang, {})
        base_published = BASE_1B[lang].value if lang in BASE_1B and ours else None
        rows.append([lang, "base", 0, figures.get(f"pass@1.base.{lang}"), base_published])
        rows += [[lang, epoch, step, value, ours[epoch].value if epoch in ours else None]
                 for epoch, step, value in curves[lang]]
    parts = ["## pass@1 after each epoch (full fine-tuning)", "",
             table(["Lang", "Epoch", "Optimizer step", "Ours: pass@1", "Published"], rows), ""]
    for lang in plots.ordered_languages(curves):
        parts.append(f"* {lang}: last epoch {figures.get(f'eval.last_epoch.{lang}')}: "
                     f"{format_number(figures.get(f'pass@1.finetuned.{lang}'))}; best epoch "
                     f"{figures.get(f'eval.best_epoch.{lang}')}: {format_number(figures.get(f'pass@1.best_epoch.{lang}'))}")
    parts += ["", "The best epoch is chosen on the benchmark it is scored on, as the paper's tables choose it "
              "(docs/method.md, section 7.1): that figure is optimistic, an upper estimate of what a model "
              "selected without the test set would score. The last epoch is the unselected figure."]
    if published:
        parts += ["", "Published: " + "; ".join(f"{lang} epoch {e}: {p.source}"
                                              for lang, curve in published.items() for e, p in curve.items())]
    if png:
        parts += ["", f"![pass@1 after each epoch]({png.name})"]
    return "\n".join(parts)


def delta_lines(figures: dict, langs: list[str]) -> list[str]:
    """One line per language with both models: the delta, its 95 % interval and the paired test."""
    from mplt.results.stats import ALPHA
    lines = []
    for lang in langs:
        delta = figures.get(f"pass@1.delta.{lang}")
        if delta is None:
            continue
        p_value = figures.get(f"pass@1.delta_p.{lang}")
        noise = ", ".join(f"{v} {figures[f'eval.{k}.{lang}.sampling_se']:.4f}"
                          for k, v in (("base", "base"), ("finetuned", "fine-tuned"))
                          if f"eval.{k}.{lang}.sampling_se" in figures)
        noise = f"; sampling standard error {noise}" if noise else ""
        if p_value is None:
            lines.append(f"* {lang}: Δ = {delta:+.4f}; not tested (no per-problem results for both models), "
                         "so not claimed above base")
            continue
        verdict = ("**above base**" if figures.get(f"claim.finetuned_above_base.{lang}")
                   else "not above base")
        lines.append(f"* {lang}: Δ = {delta:+.4f}, 95 % interval [{figures[f'pass@1.delta_low.{lang}']:+.4f}, "
                     f"{figures[f'pass@1.delta_high.{lang}']:+.4f}], one-sided p = {p_value:.4f} over "
                     f"{format_number(figures.get(f'eval.paired.{lang}.problems'))} problems: {verdict}{noise}")
    if not lines:
        return []
    return [f"Fine-tuned minus base, paired over the problems both models were scored on (t interval over "
            f"problems; sign-flip permutation test of \"fine-tuned > base\", which must give p < {ALPHA} to "
            "claim a gain; mplt/results/stats.py):", "", *lines, ""]


def section_check(expected: Path | None, rows: list[CheckRow] | None, error: str | None) -> str:
    if rows is None:
        return f"## Check against expected results\n\nNot checked: {error}"
    failed = [r for r in rows if not r.ok]
    verdict = "**PASS**" if not failed else f"**FAIL** ({len(failed)} of {len(rows)} figures)"
    return "\n".join([
        "## Check against expected results", "",
        f"Expected results: `{expected}`. Verdict: {verdict}. "
        "(`python reproduce.py check --run-dir RUN` prints the same table and sets the exit code.)", "",
        table(["Figure", "Expected", "Got", "Verdict", "Source"],
              [[r.name, r.expected, r.got, r.verdict.upper() if not r.ok else r.verdict, r.source]
               for r in rows])])


def section_rehearsal(rehearsal: dict) -> str:
    """What stood in for what: models (architecture, size) and data."""
    rows = [[name, info.get("directory"), info.get("model_type"), info.get("multi_query"),
             info.get("parameters"), info.get("context")] for name, info in (rehearsal.get("models") or {}).items()]
    parts = ["## Rehearsal stand-ins", "",
             table(["Model of the profile", "Stand-in", "Architecture", "Multi-query", "Parameters", "Context"], rows)]
    parts.append("")
    for key, info in (rehearsal.get("data") or {}).items():
        parts.append(f"* `{info.get('stands_in_for', key)}`: `{info.get('directory')}` (rows: "
                     + ", ".join(f"{k} {v}" for k, v in (info.get("rows") or {}).items()) + ")")
    added = rehearsal.get("added") or {}
    if "add-standin-tests" in added:
        tests = added["add-standin-tests"]
        parts.append(f"* after `testgen` (which kept {tests.get('testgen_kept')} functions): {tests.get('added')} "
                     "of our functions with our tests, so that `translate` had work")
    if "add-standin-data" in added:
        langs = added["add-standin-data"].get("languages") or {}
        parts.append("* fine-tuning data, from `dataset` + stand-in items: "
                     + ", ".join(f"{lang} {c.get('from_dataset')} + {c.get('standin')}" for lang, c in langs.items()))
    return "\n".join(parts)


def build_report(results: dict, out_dir: Path, expected: Path | None,
                 rows: list[CheckRow] | None, error: str | None, rehearsal: dict | None = None) -> str:
    profile = results.get("profile") or "unknown"
    # comparable with the published figures only when every evaluated benchmark belongs to their family
    families = {family_of(info.get("comparable_with"), info.get("benchmark"))
                for v in (results["meta"].get("evaluation") or {}).values() for info in v.values()}
    comparable = profile != "smoke" and rehearsal is None and families <= {FAMILY}
    # The plot sets published bars beside ours only for figures made under the published protocol.
    protocols = {v for k, v in results["figures"].items() if k.startswith("eval.") and k.endswith(".protocol")}
    plotted = comparable and protocols == {"paper"}
    note = ("" if plotted else f"profile {profile}: not comparable with the paper" if not comparable
            else f"protocol {', '.join(sorted(protocols)) or 'not recorded'}: the published figures are `paper`'s")
    pngs = {"pass1": plots.plot_pass_at_1(results, out_dir / "pass_at_1.png", plotted, note),
            "funnel": plots.plot_funnel(results, out_dir / "funnel.png"),
            "loss": plots.plot_loss(results, out_dir / "loss.png"),
            "epochs": plots.plot_epoch_curves(results, out_dir / "epochs.png",
                                              EPOCH_CURVES.get(profile, {}) if comparable else {})}
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = f"# mplt run report: profile `{profile}`"
    parts = [f"# REHEARSAL: {title[2:]}" if rehearsal else title, "",
             f"Run directory `{results['run_dir']}`; report written {now}. Every figure below is in "
             "`results.json` under a stable dotted name (expected_results/README.md)."]
    if rehearsal is not None:
        parts += ["", REHEARSAL_BANNER.format(profile=profile, device=rehearsal.get("device", "?"),
                                                 dtype=rehearsal.get("dtype", "?"))]
    if profile == "smoke":
        parts += ["", SMOKE_BANNER]
    if profile in NEVER_RUN:
        parts += ["", NEVER_RUN[profile]]
    if profile == "scaled":   # what its data budget can show (mplt/run/sizing.py)
        from mplt.run.sizing import size_scaled, verdict
        parts += ["", f"> **Sizing: this profile {verdict(size_scaled())}.**"]
    if rows is not None:
        failed = [r.name for r in rows if not r.ok]
        parts += ["", f"**Check: {'PASS' if not failed else 'FAIL'}** ({len(rows) - len(failed)} of {len(rows)} "
                      "expected figures as expected" + (f"; outside or missing: {', '.join(failed)}" if failed else "")
                  + "; table at the end)."]
    parts += ["", section_what_ran(results)] + (["", section_rehearsal(rehearsal)] if rehearsal else [])
    parts += ["", section_funnel(results, pngs["funnel"]), "",
              section_finetune(results, pngs["loss"]), "",
              # The infill lesson evaluates inside its own stage and has its own table below: no empty
              # left-to-right section beside it.
              *([section_pass_at_1(results, pngs["pass1"], comparable), ""]
                if not results["tables"].get(INFILL_TABLE) or has_pass_at_1(results) else []),
              *([section_epochs(results, pngs["epochs"], comparable), ""] if results["tables"].get("epoch_curves") else []),
              *([section_infill_lesson(results), ""] if results["tables"].get(INFILL_TABLE) else []),
              section_check(expected, rows, error)]
    if results["problems"]:
        parts += ["", "## Collection notes", "", *(f"* {p}" for p in results["problems"])]
    return "\n".join(parts) + "\n"


def write_report(run_dir: str | Path, expected: str | Path | None = None, out_dir: str | Path | None = None) -> dict:
    """Collect, check and write everything under `out_dir` (default `RUN/report/`); return paths
    and the check rows."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise MpltError(f"{run_dir}: no such run directory")
    out_dir = Path(out_dir) if out_dir else run_dir / "report"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = collect_results(run_dir)
    results_path = write_results(results, out_dir)
    expected_path, rows, error = None, None, None
    rehearsal_path = run_dir / "rehearse" / SUMMARY
    rehearsal = read_json(rehearsal_path) if rehearsal_path.exists() else None
    if rehearsal is not None:   # what the rehearsal added where a random model left nothing
        rehearsal["added"] = {stage: read_json(run_dir / stage / SUMMARY)
                              for stage in ("add-standin-tests", "add-standin-data")
                              if (run_dir / stage / SUMMARY).exists()}
    try:
        if rehearsal is not None:
            raise MpltError("a rehearsal (random stand-in models): there are no expected figures to check")
        expected_path, rows = check_run(results, expected)
        write_json(out_dir / "check.json", {"expected": str(expected_path), "rows": rows_to_json(rows),
                                             "passed": all(r.ok for r in rows)})
    except MpltError as e:
        error = str(e)
        log.debug("report: not checked: %s", error)
    report_path = out_dir / "report.md"
    report_path.write_text(build_report(results, out_dir, expected_path, rows, error, rehearsal), encoding="utf-8")
    return {"results": results_path, "report": report_path, "rows": rows, "results_data": results,
            "expected": expected_path, "error": error}
