"""The reference check of translated tests (docs/deviations.md, item 7).

A translated test states `candidate(args') == expected'`, where args' and expected' are the Python
test's values as converted for the target (`render.target_value`: ints coerced to floats for OCaml
and Julia, integral floats written as ints for an int-declared result). Nothing guaranteed that
the Python reference agrees on those values: HumanEval_92 `any_int(2.0, 3.0, 1.0)` is False in
Python, yet `(candidate 2.0 3.0 1.0)` expecting `#t` was emitted. Here the problem's canonical
solution is run, in the sandbox, on args'; a test whose result is not expected' (or that raises)
fails the check, and the translator drops it with reason `reference disagrees` (or skips the
problem under `drop_failing_tests=False`).

The reference runs in the Python sandbox (mplt/execution/sandbox.py). `Reference.prefetch`
batches many problems into one program, each defined in a namespace of its own (HumanEval's
solutions do not touch shared state; a problem that fails there is rerun alone).

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

from mplt.langs.status import OK
from mplt.langs.types import Untranslatable

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


# (prompt, canonical body, entry point, argument tuples): one problem's calls to check.
Request = tuple[str, str, str, list[tuple]]


def reference_program(requests: list[Request]) -> str:
    """A Python program that defines each problem's function in a namespace of its own, runs it on
    each argument tuple and prints one marked JSON line per call (`[problem, call, status,
    text]`; call -1 when the definition itself fails). Arguments are embedded as literals and
    parsed per call, so a call that mutates its arguments cannot affect the next one."""
    payload = [(prompt.rstrip("\n") + "\n" + body, entry, [repr(a) for a in calls])
               for prompt, body, entry, calls in requests]
    return "\n".join([
        "import ast, json, signal", "",
        "def _expired(signum, frame):",
        "    raise TimeoutError('reference call exceeded its CPU time')", "",
        "def _report(*fields):",
        # A leading newline: the solution's own output may have left a line unfinished.
        f"    print('\\n' + {_MARK!r} + json.dumps(list(fields)), flush=True)", "",
        "def _limit(seconds):",
        "    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)", "",
        "def _main(problems):",
        "    signal.signal(signal.SIGVTALRM, _expired)",
        "    for p, (source, entry, calls) in enumerate(problems):",
        "        space = {'__name__': '__main__'}",
        "        try:",
        f"            _limit({_CALL_CPU_S})",
        "            exec(compile(source, f'<problem {p}>', 'exec'), space)",
        "            function = space[entry]",
        "        except BaseException as e:",
        "            _report(p, -1, 'error', type(e).__name__)",
        "            continue",
        "        finally:",
        "            _limit(0)",
        "        for i, text in enumerate(calls):",
        "            try:",
        f"                _limit({_CALL_CPU_S})",
        "                out = ['ok', repr(function(*ast.literal_eval(text)))]",
        "            except BaseException as e:",
        "                out = ['error', type(e).__name__]",
        "            finally:",
        "                _limit(0)",
        "            _report(p, i, *out)", "",
        f"_main({payload!r})", ""])


def parse_outcomes(stdout: str, sizes: list[int]) -> list[list[Outcome | None] | None]:
    """Per problem of a reference run, the outcome of each call (None for a call that printed no
    line), or None when the problem's definition failed."""
    found: list[list[Outcome | None] | None] = [[None] * n for n in sizes]
    for line in stdout.splitlines():
        if not line.startswith(_MARK):
            continue
        try:
            problem, index, status, text = json.loads(line[len(_MARK):])
        except (ValueError, TypeError):
            continue
        if not (isinstance(problem, int) and 0 <= problem < len(sizes) and isinstance(index, int)):
            continue
        if index == -1:
            found[problem] = None
        elif found[problem] is not None and 0 <= index < sizes[problem]:
            found[problem][index] = Outcome(status, text)
    return found


def _limits(calls: int):
    # Imported here: the sandbox imports the language registry, which imports this package.
    from mplt.execution.limits import Limits
    return Limits(timeout_s=30.0 + _CALL_CPU_S * calls, cpu_s=10 + _CALL_CPU_S * calls,
                  output_keep_bytes=16 * 1024 * 1024, output_kill_bytes=32 * 1024 * 1024)


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
    """Runs canonical solutions in the sandbox, remembering each (problem, call) outcome so the
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
            fresh, detail = self._run([(prompt, body, entry_point, [ast.literal_eval(k[2]) for k in missing])])
            if fresh[0] is None or any(o is None for o in fresh[0]):
                # The program failed outside the calls (a syntax error, a timeout, a crash):
                # nothing can be concluded, and guessing would make translation machine-dependent.
                raise Untranslatable("reference did not run", detail)
            known.update(zip(missing, fresh[0]))
            self._remember(dict(zip(missing, fresh[0])))
        return [known[k] for k in keys]

    def prefetch(self, requests: list[Request], *, per_program: int = 40, workers: int | None = None) -> None:
        """Run the uncached calls of many problems ahead: several problems per sandboxed program,
        several programs at once. Speed only: a problem whose outcomes do not all come back is
        run alone when it is checked, and verdicts are those of the one-problem runs."""
        pending: dict[tuple[str, str, str], dict[str, tuple]] = {}   # keyed by repr: (2,) is not (2.0,)
        with self._lock:
            for prompt, body, entry, calls in requests:
                todo = pending.setdefault((prompt, body, entry), {})
                todo.update((repr(a), a) for a in calls if (prompt + "\0" + body, entry, repr(a)) not in self._outcomes)
        work = [(p, b, e, list(calls.values())) for (p, b, e), calls in pending.items() if calls]
        groups = [work[i:i + per_program] for i in range(0, len(work), per_program)]
        if not groups:
            return
        from mplt.execution.pool import execute_all
        jobs = [{"id": f"reference-{i}", "language": "py", "program": reference_program(group)}
                for i, group in enumerate(groups)]
        limits = _limits(max(sum(len(r[3]) for r in group) for group in groups))
        for group, result in zip(groups, execute_all(jobs, workers=workers, progress=False, limits=limits)):
            for (prompt, body, entry, calls), outs in zip(group, parse_outcomes(result["stdout"],
                                                                                [len(r[3]) for r in group])):
                if outs is not None and all(o is not None for o in outs):
                    self._remember({(prompt + "\0" + body, entry, repr(a)): o for a, o in zip(calls, outs)})

    def _remember(self, outcomes: dict) -> None:
        with self._lock:
            if len(self._outcomes) > _CACHE_LIMIT:
                self._outcomes.clear()
            self._outcomes.update(outcomes)

    def _run(self, requests: list[Request]) -> tuple[list[list[Outcome | None] | None], str]:
        from mplt.execution.sandbox import run_program

        result = run_program("py", reference_program(requests), _limits(sum(len(r[3]) for r in requests)))
        found = parse_outcomes(result.stdout, [len(r[3]) for r in requests])
        if result.status != OK:
            found = [None] * len(requests)
        return found, f"{result.status}: {result.stderr[-200:]}"


@functools.lru_cache(maxsize=1)
def default_reference() -> Reference:
    """The process-wide Reference that translate_problem uses unless given one (made on first use)."""
    return Reference()


def check_cases(reference: Reference, prompt: str, body: str, entry_point: str,
                cases: list[tuple[tuple, object, float | None]]) -> list[bool]:
    """For (converted args, converted expected, tolerance) per test: whether the reference agrees."""
    outcomes = reference.outcomes(prompt, body, entry_point, [args for args, _, _ in cases])
    return [agrees(o, expected, tol) for o, (_, expected, tol) in zip(outcomes, cases)]
