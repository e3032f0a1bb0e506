"""bench/gpu_check.py: --help, and the CPU fallback (tiny config) end to end."""
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "gpu_check.py"


def _run(*args, timeout=600):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)


def test_help():
    out = _run("--help", timeout=60)
    assert out.returncode == 0 and "--device" in out.stdout and "--tiny" in out.stdout


@pytest.mark.slow
def test_cpu_fallback_measures_and_projects_every_gpu_profile():
    out = _run("--device", "cpu", "--tiny")
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    assert "MEASURED generation" in text and "MEASURED QLoRA optimizer step" in text
    for profile in ("scaled", "paper-1b-eval", "paper-1b-finetune"):
        assert f"{profile:<18} total" in text
    assert "scaled             finetune   300 steps of 2x1x1024 tokens" in text
    assert "paper-1b-finetune  finetune   6300 steps of 4x2x2048 tokens" in text
