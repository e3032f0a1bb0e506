"""Each stage's one line on the run's screen, from its summary (the registry entry's `describe`).
A summary written by an older or hand-made run may lack fields: `?` stands in for them."""
from __future__ import annotations

from typing import Any


def model_line(summary: dict[str, Any]) -> str:
    return (f"{summary.get('parameters', 0) / 1e6:.1f}M-parameter model, {summary.get('examples')} warm-start "
            f"examples, loss {summary.get('first_epoch_loss')} -> {summary.get('final_epoch_loss')}")


def select_line(summary: dict[str, Any]) -> str:
    counts = summary.get("counts") or {}
    return f"{summary.get('functions')} functions kept of {counts.get('functions', '?')} found"


def testgen_line(summary: dict[str, Any]) -> str:
    counts = summary.get("counts") or {}
    return (f"{summary.get('functions')} of {counts.get('functions_in', '?')} functions with validated tests "
            f"({summary.get('assertions_passed')} of {summary.get('assertions_parsed')} assertions passed)")


def translate_line(summary: dict[str, Any]) -> str:
    per_lang = summary.get("languages") or {}
    return "functions with a passing translation: " + ", ".join(
        f"{lang} {v.get('with_pass', '?')}/{v.get('translatable', '?')}" for lang, v in per_lang.items())


def dataset_line(summary: dict[str, Any]) -> str:
    per_lang = summary.get("languages") or {}
    return "fine-tuning items: " + ", ".join(f"{lang} {v.get('items', '?')}" for lang, v in per_lang.items())


def finetune_line(summary: dict[str, Any]) -> str:
    models = summary.get("models") or {}
    if models:   # a full fine-tune: the model after each epoch
        return (f"models after each epoch for {', '.join(f'{lang} ({len(m)})' for lang, m in models.items())} "
                f"({summary.get('preset')})")
    return f"adapters for {', '.join(summary.get('adapters', {})) or 'no language'} ({summary.get('preset')})"


def evaluate_line(summary: dict[str, Any]) -> str:
    cells = []
    for variant, langs in (summary.get("pass@1") or {}).items():
        shown = ", ".join(f"{lang} {v:.3f}" for lang, v in langs.items() if isinstance(v, (int, float)))
        cells.append(f"{variant}: {shown or '-'}")
    protocol = f" (protocol {summary['protocol']})" if summary.get("protocol") else ""
    return f"pass@1{protocol} " + "; ".join(cells)


def lesson_line(summary: dict[str, Any]) -> str:
    """The infill-lesson stage's line (mplt/infill/lesson.py): each model's left-to-right and infilling pass@1."""
    def show(value):
        return "-" if value is None else f"{value:.3f}"
    return "; ".join(f"{name} {show(kinds.get('left_to_right'))} / {show(kinds.get('infilling'))}"
                     for name, kinds in (summary.get("pass@1") or {}).items()) + " (pass@1 left-to-right / infilling)"


def report_line(summary: dict[str, Any]) -> str:
    return f"report in {summary.get('report', 'report/report.md')}"


def check_line(summary: dict[str, Any]) -> str:
    failed = summary.get("failed") or []
    return "PASS" if summary.get("passed") else f"FAIL ({len(failed)} figures outside their range)"


def numbers_line(summary: dict[str, Any]) -> str:
    """The summary's top-level numbers (the rehearsal's stand-in stages)."""
    return ", ".join(f"{k} {v}" for k, v in summary.items()
                     if isinstance(v, (int, float)) and not isinstance(v, bool) and k != "seconds")
