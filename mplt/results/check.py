"""Compare a run's figures with `expected_results/<profile>.json` (format: expected_results/README.md).

Each expected figure has one kind of expectation (value +- abs_tol, a min/max range, a boolean claim,
or an exact value) and a source. A figure missing from the run fails, unless marked `optional`. A
`when` object names other figures the comparison presumes (the evaluation protocol, the precision):
where the run's differ, the figure is not compared (verdict `skip`, with the reason).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mplt.errors import MpltError

FORMAT = "mplt-expected-results/1"
KINDS = ("value", "range", "claim", "equals")
ENTRY_KEYS = {"value", "abs_tol", "min", "max", "claim", "equals", "source", "optional", "note", "when"}
EXPECTED_DIR = Path(__file__).resolve().parents[2] / "expected_results"


class ExpectedFileError(MpltError):
    """A malformed expected-results file (one-line message naming the file and the entry)."""


@dataclass(frozen=True)
class CheckRow:
    name: str
    expected: str
    got: str
    verdict: str  # pass | fail | missing | skip
    source: str

    @property
    def ok(self) -> bool:
        return self.verdict in ("pass", "skip")


def binomial_tolerance(p: float, n: int, num_problems: int, sigmas: float = 3.0) -> float:
    """Tolerance for comparing two pass@1 estimates of the same model (expected_results/README.md).

    pass@1 is a mean over P problems of c_i/n with c_i ~ Binomial(n, p_i); its variance is at most
    p(1-p)/(nP). Both the published figure and ours carry that noise, hence the factor 2.
    """
    return sigmas * math.sqrt(2.0 * p * (1.0 - p) / (n * num_problems))


def expected_path(profile: str) -> Path:
    return EXPECTED_DIR / f"{profile}.json"


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def entry_kind(name: str, entry: Any, where: str) -> str:
    if not isinstance(entry, dict):
        raise ExpectedFileError(f"{where}: figure {name!r} must be an object")
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise ExpectedFileError(f"{where}: figure {name!r} has unknown keys {sorted(unknown)}")
    if not isinstance(entry.get("source"), str) or not entry["source"].strip():
        raise ExpectedFileError(f"{where}: figure {name!r} needs a non-empty 'source'")
    kinds = [k for k, present in (("value", "value" in entry), ("range", "min" in entry or "max" in entry),
                                  ("claim", "claim" in entry), ("equals", "equals" in entry)) if present]
    if len(kinds) != 1:
        raise ExpectedFileError(f"{where}: figure {name!r} needs exactly one of value+abs_tol, "
                                f"min/max, claim, equals (found {kinds or 'none'})")
    kind = kinds[0]
    if "abs_tol" in entry and kind != "value":
        raise ExpectedFileError(f"{where}: figure {name!r}: abs_tol goes with value only")
    if kind == "value" and not (is_number(entry["value"]) and is_number(entry.get("abs_tol"))
                                and entry["abs_tol"] >= 0):
        raise ExpectedFileError(f"{where}: figure {name!r}: value and abs_tol (>= 0) must be numbers")
    if kind == "range":
        bounds = [entry[b] for b in ("min", "max") if b in entry]
        if not all(is_number(b) for b in bounds):
            raise ExpectedFileError(f"{where}: figure {name!r}: min/max must be numbers")
        if len(bounds) == 2 and bounds[0] > bounds[1]:
            raise ExpectedFileError(f"{where}: figure {name!r}: min > max")
    if kind == "claim" and not isinstance(entry["claim"], bool):
        raise ExpectedFileError(f"{where}: figure {name!r}: claim must be true or false")
    if "optional" in entry and not isinstance(entry["optional"], bool):
        raise ExpectedFileError(f"{where}: figure {name!r}: optional must be true or false")
    when = entry.get("when", {})
    if not isinstance(when, dict) or not all(isinstance(v, (str, int, float, bool)) for v in when.values()):
        raise ExpectedFileError(f"{where}: figure {name!r}: when must map figure names to strings or numbers")
    return kind


def load_expected(path: str | Path) -> dict:
    """Read and validate an expected-results file; any problem is one ExpectedFileError line."""
    path = Path(path)
    if not path.is_file():
        raise ExpectedFileError(f"{path}: no such expected-results file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ExpectedFileError(f"{path}: not valid JSON ({e})") from e
    if not isinstance(data, dict) or not isinstance(data.get("figures"), dict):
        raise ExpectedFileError(f"{path}: expected an object with a 'figures' object")
    if data.get("format") != FORMAT:
        raise ExpectedFileError(f"{path}: 'format' must be {FORMAT!r}, got {data.get('format')!r}")
    if not data["figures"]:
        raise ExpectedFileError(f"{path}: 'figures' is empty")
    for name, entry in data["figures"].items():
        entry_kind(name, entry, str(path))
    return data


def format_number(value: Any) -> str:
    if isinstance(value, bool) or not is_number(value):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1:
        return str(int(value))
    return f"{value:.4g}"


def describe(entry: dict) -> str:
    kind = entry_kind("?", entry, "?")
    if kind == "value":
        return f"{format_number(entry['value'])} ± {format_number(entry['abs_tol'])}"
    if kind == "range":
        low = format_number(entry["min"]) if "min" in entry else "-inf"
        high = format_number(entry["max"]) if "max" in entry else "+inf"
        return f"in [{low}, {high}]"
    if kind == "claim":
        return format_number(entry["claim"])
    return f"= {format_number(entry['equals'])}"


def within(entry: dict, got: Any) -> bool:
    kind = entry_kind("?", entry, "?")
    if kind == "claim":
        return isinstance(got, bool) and got == entry["claim"]
    if kind == "equals":
        return got == entry["equals"] and isinstance(got, bool) == isinstance(entry["equals"], bool)
    if not is_number(got) or math.isnan(got):
        return False
    if kind == "value":
        # a tiny slack so that a figure exactly on the boundary is not lost to float rounding
        return abs(got - entry["value"]) <= entry["abs_tol"] + 1e-12
    return entry.get("min", -math.inf) <= got <= entry.get("max", math.inf)


def unmet_conditions(figures: dict[str, Any], entry: dict) -> list[str]:
    """Why the run's figure cannot be compared with `entry`: its `when` figures that differ (e.g. a
    base model evaluated in 4-bit against a published bf16 figure, docs/generation.md)."""
    unmet = []
    for key, wanted in (entry.get("when") or {}).items():
        if key not in figures:
            unmet.append(f"{key} not recorded (expected {format_number(wanted)})")
        elif figures[key] != wanted:
            unmet.append(f"{key} is {format_number(figures[key])}, the expected figure's is {format_number(wanted)}")
    return unmet


def compare_figures(figures: dict[str, Any], expected: dict) -> list[CheckRow]:
    rows = []
    for name, entry in expected["figures"].items():
        source = entry["source"] + (f" Note: {entry['note']}" if entry.get("note") else "")
        unmet = unmet_conditions(figures, entry) if name in figures else []
        if name not in figures:
            verdict = "skip" if entry.get("optional") else "missing"
            got = "(not in this run)"
        elif unmet:
            verdict = "skip"
            got = f"{format_number(figures[name])} (not compared: {'; '.join(unmet)})"
        else:
            got = format_number(figures[name])
            verdict = "pass" if within(entry, figures[name]) else "fail"
        rows.append(CheckRow(name, describe(entry), got, verdict, source))
    return rows


def resolve_expected(profile: str | None, expected: str | Path | None) -> Path:
    if expected:
        return Path(expected)
    if not profile:
        raise MpltError("the run directory does not name its profile; pass --expected FILE")
    path = expected_path(profile)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in EXPECTED_DIR.glob("*.json"))) or "none"
        raise MpltError(f"no expected results for profile {profile!r} ({path}); known: {known}; "
                        "pass --expected FILE")
    return path


def check_run(results: dict, expected: str | Path | None = None) -> tuple[Path, list[CheckRow]]:
    path = resolve_expected(results.get("profile"), expected)
    return path, compare_figures(results["figures"], load_expected(path))


def rows_to_json(rows: list[CheckRow]) -> list[dict]:
    return [{"name": r.name, "expected": r.expected, "got": r.got, "verdict": r.verdict,
             "source": r.source} for r in rows]
