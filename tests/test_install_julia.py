"""docs/julia.md: scripts/install-julia.sh installs the official release when it can be
downloaded (pinned sha256), falls back to the bullseye script otherwise, and never installs a
tarball with the wrong checksum. No network: file:// URLs and a stub fallback."""
import hashlib
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "install-julia.sh"
pytestmark = pytest.mark.skipif(subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip()
                                != "x86_64", reason="the release route is for x86_64 Linux")


@pytest.fixture
def stub_fallback(tmp_path):
    stub = tmp_path / "bullseye.sh"
    stub.write_text('#!/bin/sh\nmkdir -p "$1"\nprintf \'#!/bin/sh\\necho "julia version 1.5.3"\\n\' > "$1/julia"\n'
                    'chmod 755 "$1/julia"\necho stub-bullseye-ran\n')
    stub.chmod(0o755)
    return stub


@pytest.fixture
def release_tarball(tmp_path):
    top = tmp_path / "src" / "julia-1.10.8" / "bin"
    top.mkdir(parents=True)
    (top / "julia").write_text('#!/bin/sh\necho "julia version 1.10.8"\n')
    (top / "julia").chmod(0o755)
    tarball = tmp_path / "julia-1.10.8-linux-x86_64.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(tmp_path / "src" / "julia-1.10.8", arcname="julia-1.10.8")
    return tarball, hashlib.sha256(tarball.read_bytes()).hexdigest()


def _install(dest, stub, **env):
    import os
    return subprocess.run(["sh", str(SCRIPT), str(dest)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MPLT_JULIA_BULLSEYE": str(stub), **env})


def test_falls_back_to_bullseye_when_the_release_cannot_be_downloaded(tmp_path, stub_fallback):
    out = _install(tmp_path / "jl", stub_fallback, JULIA_URL=f"file://{tmp_path}/missing.tar.gz")
    assert out.returncode == 0, out.stderr
    notes = [line for line in out.stdout.splitlines() if line.startswith("[julia]")]
    assert len(notes) == 1 and "cannot download Julia 1.10.8" in notes[0] and "Debian bullseye" in notes[0]
    assert "stub-bullseye-ran" in out.stdout
    assert "1.5.3" in subprocess.run([str(tmp_path / "jl" / "julia"), "--version"], capture_output=True,
                                     text=True).stdout


def test_installs_the_release_with_the_pinned_checksum(tmp_path, stub_fallback, release_tarball):
    tarball, sha = release_tarball
    out = _install(tmp_path / "jl", stub_fallback, JULIA_URL=f"file://{tarball}", JULIA_SHA256=sha)
    assert out.returncode == 0, out.stderr
    assert "stub-bullseye-ran" not in out.stdout and "installed the official release" in out.stdout
    assert subprocess.run([str(tmp_path / "jl" / "julia"), "--version"], capture_output=True,
                          text=True).stdout.strip() == "julia version 1.10.8"


def test_a_wrong_checksum_is_an_error_not_a_fallback(tmp_path, stub_fallback, release_tarball):
    tarball, _ = release_tarball
    out = _install(tmp_path / "jl", stub_fallback, JULIA_URL=f"file://{tarball}", JULIA_SHA256="0" * 64)
    assert out.returncode != 0 and "pinned sha256" in out.stderr and "stub-bullseye-ran" not in out.stdout
    assert not (tmp_path / "jl" / "julia").exists()


def test_script_pins_the_dockerfile_release():
    dockerfile = (REPO / "Dockerfile").read_text()
    script = SCRIPT.read_text()
    for arg in ("JULIA_VERSION", "JULIA_SHA256"):
        pinned = re.search(rf"^ARG {arg}=(\S+)$", dockerfile, re.M).group(1)
        assert f"{arg}=${{{arg}:-{pinned}}}" in script


def test_the_bullseye_julia_finds_every_library_it_links():
    """Where `make setup` fell back to Julia 1.5.3 from bullseye, the loader finds every library of
    its binaries (the bookworm packages install-julia-bullseye.sh installs; docs/runtime.md, 6.2)."""
    import shutil
    # .tools/julia (make setup) or the julia on PATH (the image links /opt/julia/julia there)
    on_path = shutil.which("julia")
    candidates = [REPO / ".tools" / "julia", *([Path(on_path).resolve().parent] if on_path else [])]
    dest = next((d for d in candidates if (d / "usr" / "bin" / "julia").exists()), None)
    if dest is None:
        pytest.skip("no bullseye Julia here (the official release bundles its libraries)")
    lib = dest / "usr" / "lib" / "x86_64-linux-gnu"
    missing = {}
    for binary in [dest / "usr" / "bin" / "julia", *lib.glob("*.so.*"), *(lib / "julia").glob("*.so*")]:
        out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, timeout=60,
                             env={"LD_LIBRARY_PATH": f"{lib}:{lib / 'julia'}", "PATH": "/usr/bin:/bin"}).stdout
        gone = [line.split()[0] for line in out.splitlines() if "not found" in line]
        if gone:
            missing[binary.name] = gone
    assert missing == {}, "apt-get install the bookworm packages of scripts/install-julia-bullseye.sh"
