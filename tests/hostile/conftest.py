"""Shared helpers for hostile programs: templating, a TCP listener, and a /proc scan.

Each hostile file carries placeholders: @MARKER@ (a token unique to the test session, so leftover
processes can be found by their command line), @REPO_TARGET@ / @HOME_TARGET@ (paths outside the
scratch directory that must never appear) and @PORT@ (a port the harness listens on)."""
from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

HOSTILE_DIR = Path(__file__).resolve().parent
REPO = HOSTILE_DIR.parents[1]


def processes_with(marker: str) -> list[tuple[int, str]]:
    """Live (non-zombie) processes whose command line contains `marker`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append((int(entry.name), cmdline))
    return found


def wait_until_gone(marker: str, seconds: float = 8.0) -> list[tuple[int, str]]:
    """Killed orphans can linger for a few seconds before PID 1 reaps them (runtime-facts 7.4)."""
    deadline = time.monotonic() + seconds
    while True:
        left = processes_with(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


class Listener:
    """Accepts TCP connections on 127.0.0.1 and records what arrives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(1024) or b"<connected>")
                except OSError:
                    self.received.append(b"<connected>")

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture(scope="session")
def marker() -> str:
    return f"mplthostile{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="session")
def scratch_root(marker, tmp_path_factory):
    """MPLT_SCRATCH for the hostile runs: its path carries the marker into every interpreter's
    command line, and it must be empty once each run is over. Mode 755 and outside pytest's
    private tmp so that uid 65534 can reach it."""
    root = Path("/tmp") / f"mplt-{marker}"
    root.mkdir(mode=0o755)
    old = os.environ.get("MPLT_SCRATCH")
    os.environ["MPLT_SCRATCH"] = str(root)
    yield root
    if old is None:
        os.environ.pop("MPLT_SCRATCH", None)
    else:
        os.environ["MPLT_SCRATCH"] = old
    for child in sorted(root.rglob("*"), reverse=True):
        child.unlink() if not child.is_dir() else child.rmdir()
    root.rmdir()


def targets(marker: str, lang: str) -> dict[str, Path]:
    return {"REPO_TARGET": REPO / f"hostile-{marker}-{lang}.txt",
            "HOME_TARGET": Path.home() / f"hostile-{marker}-{lang}.txt"}


def render(path: Path, marker: str, port: int, lang: str) -> str:
    text = path.read_text().replace("@MARKER@", marker).replace("@PORT@", str(port))
    for name, target in targets(marker, lang).items():
        text = text.replace(f"@{name}@", str(target))
    return text
