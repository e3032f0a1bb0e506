"""Statement coverage of the function body alone (docs/method.md, sections 2.4, 10.4).

The original ran `coverage run` on one file holding the function and its assertions, so the
always-executed assert lines inflated the percentage. Here the sandboxed program writes the
function to its own module, measures only that file (`include=`), runs the passing assertions
from the main script, and reports the body's statements: the `def` line (executed at import)
is not counted. Statement coverage, not branch coverage, as in the original.
"""
from __future__ import annotations

import json

MODULE = "function_under_test"
MARKER = "MPLT-COVERAGE "

_TEMPLATE = '''\
import json, os, sys
import coverage
SOURCE = {source!r}
TESTS = {tests!r}
path = os.path.abspath({module!r} + ".py")
with open(path, "w") as f:
    f.write(SOURCE)
sys.path.insert(0, os.path.dirname(path))
cov = coverage.Coverage(data_file=None, include=[path], branch=False)
cov.start()
failed = 0
try:
    module = __import__({module!r})
    scope = {{{name!r}: getattr(module, {name!r})}}
    for test in TESTS:
        try:
            exec(compile(test, "<test>", "exec"), scope)
        except BaseException:
            failed += 1
finally:
    cov.stop()
_, statements, _, missing, _ = cov.analysis2(path)
print({marker!r} + json.dumps({{"statements": statements, "missing": missing, "failed": failed}}))
'''


def build_coverage_program(source: str, name: str, tests: list[str]) -> str:
    return _TEMPLATE.format(source=source, tests=list(tests), module=MODULE, name=name, marker=MARKER)


def parse_coverage_output(stdout: str) -> dict | None:
    """{coverage (int %), statements, missing, failed} or None when the run printed no report."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER):])
            break
    else:
        return None
    # Line 1 is the `def` (selected functions have no decorators); it runs at import time.
    body = [s for s in data["statements"] if s != 1]
    missing = [s for s in data["missing"] if s != 1]
    covered = len(body) - len(missing)
    percent = 100 if not body else int(100 * covered / len(body))
    return {"coverage": percent, "statements": len(body), "missing": missing, "failed": data["failed"]}
