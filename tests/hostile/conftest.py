"""Shared helpers for hostile programs: templating, TCP and abstract unix listeners, planted fake
secrets, and a /proc scan.

Each hostile file carries placeholders: @MARKER@ (a token unique to the test session, so leftover
processes can be found by their command line), @REPO_TARGET@ / @HOME_TARGET@ (paths outside the
scratch directory that must never appear), @PORT@ and @ABSTRACT@ (a TCP port and an abstract
unix socket name the harness listens on), @KERNEL_PATHS@ and @SECRET_PATHS@ / @SECRET_ENV@
(lists in the language's syntax: host kernel settings to open for writing, files and parent
environment variables to read) and @SWAPPINESS_NEW@ (a value other than the host's)."""
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
    """Killed orphans can linger for a few seconds before PID 1 reaps them (docs/runtime.md, section 7.4)."""
    deadline = time.monotonic() + seconds
    while True:
        left = processes_with(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


# Opened for writing, never written (but vm.swappiness, whose host value the tests compare).
KERNEL_PATHS = ("/proc/sys/kernel/core_pattern", "/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches",
                "/proc/sys/vm/swappiness", "/proc/sysrq-trigger", "/sys/kernel/mm/transparent_hugepage/enabled")
SWAPPINESS = Path("/proc/sys/vm/swappiness")
SECRET_ENV = ("HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "MPLT_HOSTILE_SECRET")


def language_list(lang: str, items) -> str:
    """A list of string literals in `lang`'s syntax (the paths need no escaping)."""
    quoted = [f'"{item}"' for item in items]
    forms = {"lua": "{%s}", "rkt": "(list %s)", "ml": "[%s]", "r": "c(%s)"}
    separator = {"rkt": " ", "ml": "; "}.get(lang, ", ")
    return forms.get(lang, "[%s]") % separator.join(quoted)


class Listener:
    """Accepts stream connections (TCP on 127.0.0.1, or an abstract unix socket) and records
    what arrives."""

    def __init__(self, abstract: str | None = None):
        self.sock = socket.socket(socket.AF_UNIX) if abstract else socket.socket()
        self.sock.bind("\0" + abstract if abstract else ("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = None if abstract else self.sock.getsockname()[1]
        self.abstract = abstract
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
def abstract_listener(marker):
    server = Listener(abstract=f"mplt-{marker}")
    yield server
    server.close()


@pytest.fixture(scope="session")
def secrets(marker):
    """A fake private key in a temporary home directory (root-only, as ~/.ssh keys are), and fake
    tokens in the harness's environment: the programs must see none of them."""
    home = Path("/tmp") / f"hostile-home-{marker}"
    key = home / ".ssh" / "id_ed25519"
    key.parent.mkdir(parents=True, mode=0o700)
    home.chmod(0o700)
    key.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\nfake {marker}\n")
    key.chmod(0o600)
    saved = {name: os.environ.get(name) for name in SECRET_ENV}
    os.environ.update({name: f"fake-{marker}" for name in SECRET_ENV})
    yield {"key": key, "env": SECRET_ENV}
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    key.unlink()
    key.parent.rmdir()
    home.rmdir()


@pytest.fixture(scope="session")
def swappiness():
    """The host's vm.swappiness before any hostile run; put back (and reported) if a run changed it."""
    if not SWAPPINESS.exists():
        pytest.skip("no /proc/sys/vm/swappiness")
    before = SWAPPINESS.read_text().strip()
    yield before
    if SWAPPINESS.read_text().strip() != before:
        SWAPPINESS.write_text(before)
        pytest.fail(f"a hostile program changed vm.swappiness (restored to {before})")


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


def render(path: Path, marker: str, port: int, lang: str, abstract: str = "", secret_paths=(),
           swappiness: str = "60") -> str:
    new_value = str(int(swappiness) + 1 if int(swappiness) < 100 else int(swappiness) - 1)
    text = (path.read_text().replace("@MARKER@", marker).replace("@PORT@", str(port))
            .replace("@ABSTRACT@", abstract).replace("@SWAPPINESS_NEW@", new_value)
            .replace("@KERNEL_PATHS@", language_list(lang, KERNEL_PATHS))
            .replace("@SECRET_PATHS@", language_list(lang, secret_paths))
            .replace("@SECRET_ENV@", language_list(lang, SECRET_ENV)))
    for name, target in targets(marker, lang).items():
        text = text.replace(f"@{name}@", str(target))
    return text


def probe_lines(stdout: str) -> dict[str, str]:
    """`DENIED <what>` / `OPENED <what>` / `READ <what> <size>` lines: what -> verb."""
    found = {}
    for line in stdout.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("DENIED", "OPENED", "READ"):
            found[words[1]] = words[0]
    return found
