"""The reference check of translated tests (issue 12, "The guard").

A translated test states `candidate(args') == expected'`, where args' and expected' are the Python
test's values as converted for the target (`render.target_value`: ints coerced to floats for OCaml
and Julia, integral floats written as ints for an int-declared result). Nothing guaranteed that
the Python reference agrees on those values: HumanEval_92 `any_int(2.0, 3.0, 1.0)` is False in
Python, yet `(candidate 2.0 3.0 1.0)` expecting `#t` was emitted. Here the problem's canonical
solution is run, in the sandbox, on args'; a test whose result is not expected' (or that raises)
fails the check, and the translator drops it with reason `reference disagrees` (or skips the
problem under `drop_failing_tests=False`).

Equality is Python's `==` on the converted values (so `2 == 2.0`, as the targets' numeric
equality does), except that a bool never equals a number, lists and tuples compare as sequences
(the targets render both alike) and a test with a tolerance compares within it.
"""
from __future__ import annotations

import ast
import functools
import json
import math
import threading
from dataclasses import dataclass

from mplt.translation.types import Untranslatable

REASON = "reference disagrees"
_MARK = "@@mplt-reference@@ "
# A CPU-time limit per call (not wall clock, so a loaded machine does not turn a slow call into a
# disagreement); HumanEval's canonical solutions take milliseconds.
_CALL_CPU_S = 5
_CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class Outcome:
    """What the reference did on one call: `ok` with the result's repr, or `error` with the
    exception name."""
    status: str
    value_repr: str

    def value(self) -> object:
        return ast.literal_eval(self.value_repr)


def reference_program(prompt: str, body: str, entry_point: str, calls: list[tuple]) -> str:
    """A Python program that runs `entry_point` on each argument tuple and prints one marked JSON
    line per call. Arguments are embedded as literals and parsed per call, so a call that mutates
    its arguments cannot affect the next one."""
    literals = [repr(args) for args in calls]
    return "\n".join([
        prompt.rstrip("\n"), body.rstrip("\n"), "", "",
        "def _mplt_reference_main():",
        "    import ast, json, signal",
        "    def _expired(signum, frame):",
        "        raise TimeoutError('reference call exceeded its CPU time')",
        "    signal.signal(signal.SIGVTALRM, _expired)",
        f"    for i, text in enumerate({literals!r}):",
        "        try:",
        f"            signal.setitimer(signal.ITIMER_VIRTUAL, {_CALL_CPU_S})",
        f"            out = ['ok', repr({entry_point}(*ast.literal_eval(text)))]",
        "        except BaseException as e:",
        "            out = ['error', type(e).__name__]",
        "        finally:",
        "            signal.setitimer(signal.ITIMER_VIRTUAL, 0)",
        # A leading newline: the solution's own output may have left a line unfinished.
        f"        print('\\n' + {_MARK!r} + json.dumps([i] + out), flush=True)",
        "",
        "_mplt_reference_main()", ""])


def parse_outcomes(stdout: str, count: int) -> list[Outcome | None]:
    """The marked lines of a reference run; None for a call that printed no line."""
    found: list[Outcome | None] = [None] * count
    for line in stdout.splitlines():
        if line.startswith(_MARK):
            try:
                index, status, text = json.loads(line[len(_MARK):])
            except (ValueError, TypeError):
                continue
            if isinstance(index, int) and 0 <= index < count:
                found[index] = Outcome(status, text)
    return found


def agrees(outcome: Outcome, expected: object, tolerance: float | None) -> bool:
    """Whether the reference's outcome is the emitted expected value."""
    if outcome.status != "ok":
        return False
    try:
        actual = outcome.value()
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False   # not a literal (an object without a literal repr): cannot be the value
    if tolerance is not None:
        return _is_number(actual) and _is_number(expected) and abs(actual - expected) < tolerance
    return same_value(actual, expected)


def same_value(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return a == b and not (isinstance(a, float) and math.isnan(a))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return len(a) == len(b) and all(k in b and same_value(v, b[k]) for k, v in a.items())
    if a is None or b is None:
        return a is None and b is None
    return type(a) is type(b) and a == b


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class Reference:
    """Runs canonical solutions in the sandbox, remembering each (program, call) outcome so the
    five languages of one problem, which mostly share their converted arguments, cost one run."""

    def __init__(self) -> None:
        self._outcomes: dict[tuple[str, str, str], Outcome] = {}
        self._lock = threading.Lock()

    def outcomes(self, prompt: str, body: str, entry_point: str, calls: list[tuple]) -> list[Outcome]:
        keys = [(prompt + "\0" + body, entry_point, repr(args)) for args in calls]
        with self._lock:
            known = {k: self._outcomes[k] for k in keys if k in self._outcomes}
        missing = list(dict.fromkeys(k for k in keys if k not in known))
        if missing:
            fresh = self._run(prompt, body, entry_point, [ast.literal_eval(k[2]) for k in missing])
            known.update(zip(missing, fresh))
            with self._lock:
                if len(self._outcomes) > _CACHE_LIMIT:
                    self._outcomes.clear()
                self._outcomes.update(zip(missing, fresh))
        return [known[k] for k in keys]

    def _run(self, prompt: str, body: str, entry_point: str, calls: list[tuple]) -> list[Outcome]:
        # Imported here: the sandbox imports the language registry, which imports this package.
        from mplt.execution.limits import Limits
        from mplt.execution.result import OK
        from mplt.execution.sandbox import run_program

        program = reference_program(prompt, body, entry_point, calls)
        limits = Limits(timeout_s=30.0 + _CALL_CPU_S * len(calls), cpu_s=10 + _CALL_CPU_S * len(calls),
                        output_keep_bytes=4 * 1024 * 1024)
        result = run_program("py", program, limits)
        found = parse_outcomes(result.stdout, len(calls))
        if result.status != OK or any(o is None for o in found):
            # The program as a whole failed (a timeout, a crash outside the calls): nothing can be
            # concluded about any call, and guessing would make translation depend on the machine.
            raise Untranslatable("reference did not run", f"{result.status}: {result.stderr[-200:]}")
        return [o for o in found if o is not None]


@functools.lru_cache(maxsize=1)
def default_reference() -> Reference:
    """The process-wide Reference that translate_problem uses unless given one (made on first use)."""
    return Reference()


def check_cases(reference: Reference, prompt: str, body: str, entry_point: str,
                cases: list[tuple[tuple, object, float | None]]) -> list[bool]:
    """For (converted args, converted expected, tolerance) per test: whether the reference agrees."""
    outcomes = reference.outcomes(prompt, body, entry_point, [args for args, _, _ in cases])
    return [agrees(o, expected, tol) for o, (_, expected, tol) in zip(outcomes, cases)]
