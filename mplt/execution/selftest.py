"""The sandbox's hardening self-test, shown by `doctor`: a probe program, run exactly as
every generated program is, tries to open host kernel settings for writing and to read root-only
files. Hardened means every one of those attempts failed (docs/sandbox.md)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from mplt.errors import MpltError
from mplt.execution.limits import Limits

WRITE_TARGETS = ("/proc/sys/kernel/core_pattern", "/proc/sys/vm/swappiness")
# Opens for appending and never writes: the probe must not change a setting even where it may.
_PROBE = """import json, sys
out = {}
for path in %s:
    try:
        open(path, "a").close()
        out["write " + path] = "opened"
    except OSError as e:
        out["write " + path] = "denied (%%s)" %% (e.strerror or e)
for path in %s:
    try:
        open(path, "rb").read(1)
        out["read " + path] = "read"
    except OSError as e:
        out["read " + path] = "denied (%%s)" %% (e.strerror or e)
print(json.dumps(out))
"""


def check_hardening() -> dict:
    """{"hardened": bool, "mode": ..., "checks": {attempt: outcome}, "detail": ...}."""
    from mplt.execution import isolation
    from mplt.execution.sandbox import run_program
    mode = isolation.detect_mode()
    with tempfile.TemporaryDirectory(prefix="doctor-") as home:
        reads = [p for p in ("/etc/shadow",) if os.path.exists(p)]
        if os.geteuid() == 0:
            # A root-only file of our own, like a key under /root/.ssh (never a real secret).
            planted = Path(home) / "id_fake"
            planted.write_text("not a real key\n")
            planted.chmod(0o600)
            reads.append(str(planted))
        program = _PROBE % (json.dumps(list(WRITE_TARGETS)), json.dumps(reads))
        try:
            result = run_program("py", program, Limits(timeout_s=30), mode=mode)
        except MpltError as e:
            return {"hardened": False, "mode": mode, "checks": {}, "detail": str(e)}
    try:
        checks = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"hardened": False, "mode": mode, "checks": {},
                "detail": f"the probe did not report ({result.status}: {result.stderr.strip()[:200]})"}
    escaped = [attempt for attempt, outcome in checks.items() if not outcome.startswith("denied")]
    detail = ("every attempt was denied" if not escaped else "possible from inside: " + ", ".join(escaped))
    return {"hardened": not escaped and len(checks) == len(WRITE_TARGETS) + len(reads), "mode": mode,
            "checks": checks, "detail": detail}
