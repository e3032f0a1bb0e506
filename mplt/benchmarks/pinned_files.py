"""Benchmark files pinned at a commit of a public repository (a `RepoFiles` source,
mplt.benchmarks.contract): downloaded once from raw.githubusercontent.com into a cache beside the
Hugging Face one, and checked by sha256 on every read: against the pinned hash where we could compute
one, else against the hash recorded at the first download (`<file>.sha256`), so a file that changes
under a pinned commit is an error, never a silent new benchmark (docs/benchmarks.md). A local copy is
the file itself or a directory holding it under its upstream name.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from mplt.benchmarks.contract import RepoFile
from mplt.errors import MpltError

log = logging.getLogger(__name__)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_cache_dir() -> Path:
    from huggingface_hub.constants import HF_HOME
    return Path(HF_HOME) / "mplt" / "prompt-files"


def local_file(path: Path, pinned: RepoFile, what: str) -> Path:
    """`path` itself, or the file under its upstream name (gzipped or not) in directory `path`."""
    if path.is_dir():
        names = [pinned.name, pinned.name + ".gz", pinned.name.removesuffix(".gz")]
        found = next((path / n for n in dict.fromkeys(names) if (path / n).is_file()), None)
        if found is None:
            raise MpltError(f"{path}: no {pinned.name} ({what})")
        return found
    if not path.is_file():
        raise MpltError(f"{path}: no such file or directory ({what})")
    return path


def download(pinned: RepoFile, cache_dir: Path | None = None) -> Path:
    """The cached copy of `pinned`, fetched first if absent and checked by sha256."""
    target = (cache_dir or default_cache_dir()) / pinned.repo.replace("/", "--") / pinned.commit / pinned.path
    recorded = target.with_name(target.name + ".sha256")
    if not target.is_file():
        data = fetch(pinned.url)
        digest = hashlib.sha256(data).hexdigest()
        if pinned.sha256 and digest != pinned.sha256:
            raise MpltError(f"{pinned.url}: sha256 {digest} differs from the pinned {pinned.sha256}; not used")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(data)
        partial.replace(target)
        recorded.write_text(digest + "\n", encoding="utf-8")
        log.info("%s: downloaded (sha256 %s)", pinned.url, digest)
    digest = sha256_of(target)
    expected = pinned.sha256 or (recorded.read_text(encoding="utf-8").strip() if recorded.is_file() else None)
    if expected and digest != expected:
        raise MpltError(f"{target}: sha256 {digest} differs from {expected} ({pinned.url}); delete it to fetch again")
    return target


def fetch(url: str) -> bytes:
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", None) or e
        raise MpltError(f"cannot download {url} ({reason}); offline, pass a local copy with "
                        "--benchmark-path (a file, or a directory holding it under its upstream name)") from e
