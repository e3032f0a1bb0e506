"""PNG plots for the report (matplotlib, Agg backend: no display needed).

Each function takes the collected results (`results.collect_results`) and writes one PNG, returning
its path, or None when the run has nothing to plot (e.g. evaluation did not run).
"""
from __future__ import annotations

from pathlib import Path

from mplt.langs import languages
from mplt.results.published import BASE_1B, MULTIPLT_1B

# Colour-blind-safe (Okabe-Ito); ours solid, published hatched in the same hue family.
COLORS = {"base": "#56B4E9", "finetuned": "#0072B2", "paper_base": "#E69F00",
          "paper_tuned": "#D55E00"}


def pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def ordered_languages(langs) -> list[str]:
    """From the language registry: the paper's targets in the paper's order, then the other
    targets, then names the registry does not know."""
    order = [key for key, lang in languages().items() if lang.is_target]
    langs = set(langs)
    return [x for x in order if x in langs] + sorted(langs - set(order))


def language_name(key: str) -> str:
    lang = languages().get(key)
    return lang.display_name if lang else key


def benchmark_names(results: dict) -> str:
    """The evaluated benchmarks as the run recorded them ("mbpp"), comma-separated; "" when unrecorded."""
    names = {info.get("benchmark") for v in (results["meta"].get("evaluation") or {}).values()
             for info in v.values()} - {None}
    return ", ".join(sorted(map(str, names)))


def plot_pass_at_1(results: dict, out: Path, show_published: bool, title_note: str = "") -> Path | None:
    figures = results["figures"]
    langs = ordered_languages(k.split(".")[2] for k in figures
                              if k.startswith(("pass@1.base.", "pass@1.finetuned.")))
    if not langs:
        return None
    series = [("base", "ours: base", lambda x: figures.get(f"pass@1.base.{x}"), None),
              ("finetuned", "ours: fine-tuned", lambda x: figures.get(f"pass@1.finetuned.{x}"), None)]
    if show_published:
        series += [("paper_base", "published: StarCoderBase-1B",
                    lambda x: BASE_1B[x].value if x in BASE_1B else None, "//"),
                   ("paper_tuned", "published: MultiPL-T 1B",
                    lambda x: MULTIPLT_1B[x].value if x in MULTIPLT_1B else None, "//")]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 + 1.5 * len(langs)), 4.4), dpi=120)
    width = 0.8 / len(series)
    top = 0.0
    labelled: set[str] = set()
    for i, (key, label, get, hatch) in enumerate(series):
        for j, lang in enumerate(langs):
            value = get(lang)
            x = j - 0.4 + width * (i + 0.5)
            if value is None:  # ours: the stage did not produce it; published: no such number
                ax.text(x, 0.002, "published: none" if hatch else "not run", ha="center", va="bottom",
                        fontsize=7, color="0.45", rotation=90)
                continue
            ax.bar(x, value, width * 0.92, color=COLORS[key], hatch=hatch, edgecolor="white",
                   linewidth=0.5, label=None if key in labelled else label)
            labelled.add(key)
            # ours: +- 1.96 sampling standard errors (mplt/results/stats.py); * marks a fine-tuned
            # figure that the paired test over problems puts above base (p < 0.05, one-sided)
            se = figures.get(f"eval.{key}.{lang}.sampling_se") if hatch is None else None
            if se:
                ax.errorbar(x, value, yerr=1.96 * se, fmt="none", ecolor="0.25", capsize=2, linewidth=0.8)
            marked = key == "finetuned" and figures.get(f"claim.finetuned_above_base.{lang}") is True
            top = max(top, value + 1.96 * (se or 0.0))
            ax.text(x, value + 1.96 * (se or 0.0), f"{value:.3f}" + (" *" if marked else ""), ha="center",
                    va="bottom", fontsize=7, rotation=90)
    ax.set_xticks(range(len(langs)), [language_name(x) for x in langs])
    ax.set_xlim(-0.5, len(langs) - 0.5)  # room for the labels of missing bars at the edges
    ax.set_ylabel("pass@1")
    ax.set_ylim(0, max(top * 1.3, 0.05))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    note = "error bars: ±1.96 sampling standard errors; * fine-tuned above base (paired test, p < 0.05)"
    if any(f"eval.{v}.{x}.sampling_se" in figures for v in ("base", "finetuned") for x in langs):
        title_note = f"{title_note}\n{note}" if title_note else note
    named = benchmark_names(results)
    ax.set_title("pass@1 per language" + (f" on {named}" if named else "") + (f"\n{title_note}" if title_note else ""),
                 fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left", ncol=2 if len(series) > 2 else 1)
    return _save(fig, out)


# The dataset stage counts programs from this step on (several passing programs per function,
# mplt/pipeline/dataset.py `build_items`); the steps before it count functions.
FIRST_PROGRAM_STEP = "passing_programs"


def split_funnel_steps(steps: list[str]) -> tuple[list[str], list[str]]:
    """(function steps, program steps) of the per-language funnel, each monotone on its own."""
    if FIRST_PROGRAM_STEP in steps:
        k = steps.index(FIRST_PROGRAM_STEP)
        return steps[:k], steps[k:]
    return steps, []


def log_ticks(low: float, high: float) -> list[float]:
    """Ticks at 1, 2 and 5 times a power of ten over [low, high] (a little beyond, as the axis
    is), with 3 added where that leaves fewer than four: plain numbers a reader can compare."""
    import math
    decades = range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1)

    def ticks(mantissas: tuple[int, ...]) -> list[float]:
        return [m * 10.0 ** e for e in decades for m in mantissas if low / 1.25 <= m * 10.0 ** e <= high * 1.25]
    wide = ticks((1, 2, 5))
    return wide if len(wide) >= 4 else ticks((1, 2, 3, 5))


def _funnel_panel(ax, table: dict, langs: list[str], steps: list[str], title: str) -> None:
    palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
    markers = ["o", "s", "^", "D", "v", "P", "X"]
    values = [table[lang][s] for lang in langs for s in steps if s in table[lang]]
    positive = bool(values) and all(v > 0 for v in values)
    for i, lang in enumerate(langs):
        xs = [k for k, s in enumerate(steps) if s in table[lang]]
        ys = [table[lang][steps[k]] for k in xs]
        shift = 0.06 * (i - (len(langs) - 1) / 2)  # languages with equal counts stay visible side by side
        ax.plot([x + shift for x in xs], ys, marker=markers[i % len(markers)], color=palette[i % len(palette)],
                label=language_name(lang), alpha=0.9)
    if positive:
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
        ax.set_yscale("log")
        low, high = min(values), max(values)
        ax.set_ylim(low / 1.3, high * 1.3)
        ax.yaxis.set_major_locator(FixedLocator(log_ticks(low, high)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xticks(range(len(steps)), [s.replace("_", "\n") for s in steps], fontsize=8)
    ax.set_xlim(-0.5, len(steps) - 0.5)
    ax.set_ylabel(title + (" (log scale)" if positive else ""))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3)


def plot_funnel(results: dict, out: Path) -> Path | None:
    """Per language, function counts through test generation and translation, and (a second panel)
    the dataset stage's program counts through cleaning and deduplication: one axis for both would
    make the funnel rise where one function's several passing programs are counted."""
    table = results["tables"].get("funnel_by_language") or {}
    if not table:
        return None
    steps: list[str] = []
    for counts in table.values():
        steps += [s for s in counts if s not in steps]
    function_steps, program_steps = split_funnel_steps(steps)
    panels = [(function_steps, "functions", "Functions: tests, then a passing translation")]
    if program_steps:
        panels.append((program_steps, "programs", "Programs: cleaning and deduplication"))
    plt = pyplot()
    widths = [max(2, len(p[0])) for p in panels]
    fig, axes = plt.subplots(1, len(panels), figsize=(max(6.0, 1.1 * sum(widths) + 2.0), 4.2), dpi=120,
                             gridspec_kw={"width_ratios": widths}, squeeze=False)
    langs = ordered_languages(table)
    for ax, (panel_steps, unit, title) in zip(axes[0], panels):
        _funnel_panel(ax, table, langs, panel_steps, unit)
        ax.set_title(title, fontsize=9)
    axes[0][-1].legend(fontsize=8, frameon=False)
    fig.suptitle("Data funnel per language", fontsize=10)
    return _save(fig, out)


def plot_loss(results: dict, out: Path) -> Path | None:
    curves = {k: v for k, v in (results["tables"].get("loss_curves") or {}).items() if v["loss"]}
    if not curves:
        return None
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=120)
    palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
    for i, (name, curve) in enumerate(sorted(curves.items())):
        color = palette[i % len(palette)]
        label = "" if len(curves) == 1 else f"{name}: "
        xs = [s if s is not None else k for k, (s, _) in enumerate(curve["loss"])]
        ax.plot(xs, [v for _, v in curve["loss"]], color=color, label=f"{label}train loss")
        if curve["eval_loss"]:
            ax.plot([s for s, _ in curve["eval_loss"]], [v for _, v in curve["eval_loss"]],
                    color=color, linestyle="--", marker="o", label=f"{label}eval loss")
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3)
    ax.set_title("Fine-tuning loss", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _save(fig, out)


def plot_epoch_curves(results: dict, out: Path, published: dict) -> Path | None:
    """pass@1 of the base model (epoch 0) and after each epoch of a full fine-tune, per language;
    the published curve dashed where the profile has one (mplt.results.published.EPOCH_CURVES)."""
    curves = results["tables"].get("epoch_curves") or {}
    if not curves:
        return None
    figures = results["figures"]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 4.0), dpi=120)
    for lang in ordered_languages(curves):
        base = figures.get(f"pass@1.base.{lang}")
        points = ([(0, base)] if base is not None else []) + [(e, v) for e, _, v in curves[lang]]
        line, = ax.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                        label=f"ours: {language_name(lang)}")
        if published.get(lang):
            ref = [(0, BASE_1B[lang].value)] if lang in BASE_1B else []
            ref += sorted((e, p.value) for e, p in published[lang].items())
            ax.plot([p[0] for p in ref], [p[1] for p in ref], linestyle="--", marker="s", color=line.get_color(),
                    alpha=0.7, label=f"published: {language_name(lang)}")
    ax.set_xlabel("epoch (0 = base model)")
    ax.set_ylabel("pass@1")
    ax.set_ylim(bottom=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("pass@1 after each epoch (best epoch chosen on the test set is optimistic)", fontsize=9)
    return _save(fig, out)


def _save(fig, out: Path) -> Path:
    """Lay out, write and close one figure (a figure left open holds its memory for the process)."""
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    pyplot().close(fig)
    return out
