"""Which Julia ran a run's Julia programs, and whether that is the release behind the published
Julia pass@1 (docs/julia.md).

MultiPL-E's evaluation container, where the published numbers were computed, installs the official
Julia 1.8.2 release tarball. A different Julia can move pass@1: a completion calling a function added
to Base after 1.5 fails on the Debian bullseye 1.5.3 that `make setup` falls back to, and passes there.
"""
from __future__ import annotations

import re

PUBLISHED_JULIA = "1.8.2"
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def julia_version(environment: dict) -> str | None:
    """The Julia version recorded in RUN/environment.json's toolchains, or None."""
    for row in environment.get("toolchains") or []:
        if isinstance(row, dict) and row.get("language") == "jl" and row.get("found"):
            match = _VERSION.search(str(row.get("version") or ""))
            if match:
                return match.group(0)
    return None


def julia_warning(version: str | None) -> str | None:
    """One sentence for the report beside Julia pass@1; None when the version matches the published one."""
    if version is None:
        return None
    major, minor = (int(x) for x in _VERSION.match(version).groups()[:2])
    if (major, minor) == tuple(int(x) for x in PUBLISHED_JULIA.split(".")[:2]):
        return None
    older = " (older: completions that use functions added to Base since then fail here and pass there)" \
        if (major, minor) < (1, 8) else ""
    return (f"Julia {version} ran these programs; the published Julia figures used Julia {PUBLISHED_JULIA} "
            f"(MultiPL-E's evaluation container){older}, so Julia pass@1 is not strictly comparable.")
