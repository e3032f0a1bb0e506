"""`reproduce.py run --profile NAME --rehearse` in a subprocess, as a user runs it (docs/rehearsal.md):
shared by the tests of the GPU profiles' rehearsals."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def rehearse_run(profile: str, run_dir: Path, *flags: str) -> subprocess.CompletedProcess:
    """The finished rehearsal of `profile` into `run_dir`; fails the test with the run's output tails."""
    proc = subprocess.run([sys.executable, "reproduce.py", "run", "--profile", profile, "--rehearse", *flags,
                           "--run-dir", str(run_dir), "--no-progress"], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert "REHEARSAL finished" in proc.stdout
    return proc
