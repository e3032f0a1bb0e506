"""scripts/setup.sh pins torch by its distribution version (mplt/torch_build.py): the pin must be one
that pip finds satisfied by the installed build, for PyPI's CUDA build (version 2.13.0, reporting
2.13.0+cu130) as for the CPU wheel (2.13.0+cpu). A stand-in CUDA torch on PYTHONPATH plays the
former; pip runs offline (--no-index, no configuration files)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mplt.torch_build import build_kind, torch_requirement

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cuda_torch(tmp_path) -> Path:
    """A torch that looks like PyPI's CUDA build: distribution 2.13.0, `__version__` 2.13.0+cu130."""
    package = tmp_path / "torch"
    package.mkdir()
    (package / "__init__.py").write_text('__version__ = "2.13.0+cu130"\nfrom . import version\n')
    (package / "version.py").write_text('cuda = "13.0"\nhip = None\n')
    info = tmp_path / "torch-2.13.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: torch\nVersion: 2.13.0\n")
    (info / "RECORD").write_text("")
    return tmp_path


def _env(*paths: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, (*paths, REPO))), "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PIP_CONSTRAINT": ""}


def pip_satisfied(requirement: str, env: dict[str, str]) -> bool:
    """True when pip, offline, finds `requirement` already installed (nothing to download)."""
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
                           "--disable-pip-version-check", requirement], env=env, capture_output=True, text=True,
                          timeout=120)
    return done.returncode == 0 and "Would install" not in done.stdout


def test_kind_comes_from_torch_version_not_the_version_string():
    assert build_kind("13.0", None) == "cuda" and build_kind(None, "6.4") == "rocm"
    assert build_kind(None, None) == "cpu"
    assert torch_requirement("2.13.0") == "torch==2.13.0"


def test_cuda_build_is_pinned_by_its_distribution_version(cuda_torch):
    env = _env(cuda_torch)
    out = subprocess.run([sys.executable, "-m", "mplt.torch_build"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["torch==2.13.0", "cuda"]
    assert pip_satisfied("torch==2.13.0", env)
    # ...whereas torch.__version__ names a release pip cannot find (what setup.sh used to pin)
    assert not pip_satisfied("torch==2.13.0+cu130", env)


@pytest.mark.slow
def test_the_installed_torch_satisfies_its_own_pin():
    """Slow (pip resolves the real torch); the fast subset checks the pin on a fake CUDA build above."""
    out = subprocess.run([sys.executable, "-m", "mplt.torch_build"], env=_env(), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    pin, kind = out.stdout.split()
    import torch
    assert kind == build_kind(torch.version.cuda, getattr(torch.version, "hip", None))
    assert pip_satisfied(pin, _env())


def test_no_torch_is_one_error_line():
    # -S: without site-packages this interpreter has no torch
    out = subprocess.run([sys.executable, "-S", "-m", "mplt.torch_build"], env=_env(),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and out.stderr.startswith("error: torch is not installed")
    assert len(out.stderr.strip().splitlines()) == 1
