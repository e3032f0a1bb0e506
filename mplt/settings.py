"""The host settings: how this machine executes programs and talks to a server, as one typed value.

Five things used to travel through environment variables, read wherever they were needed: the
execution mode (warm or cold, docs/warm.md), the sandbox mode (docs/sandbox.md), the scratch root,
the toolchain overrides and the OpenAI client's concurrency, timeout and retries
(docs/generation.md). They are `HostSettings` fields now: profile keys in `[run]`, flags of the
commands that execute or sample, checked here in one line each (docs/bad-input.md) and saved with
the resolved config and `environment.json`. An environment variable only feeds a field's default
(the table `ENVIRONMENT_DEFAULTS`, documented in docs/environment.md); a profile key or a flag wins.

A command resolves its settings once and applies them with `applied(settings)`; code below it asks
`current()`. The execution pool's worker threads read them too, so they are process-wide (as the
environment was), not per thread.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import math
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from mplt.errors import MpltError

EXECUTION_MODES = ("warm", "cold")
SANDBOX_MODES = ("bubblewrap", "netns", "none")
# Variable -> the field whose default it feeds. `MPLT_<LANG>` (e.g. MPLT_LUA) feeds
# `toolchains[<lang>]`; docs/environment.md lists them all (tests/test_environment_defaults.py checks).
ENVIRONMENT_DEFAULTS = {"MPLT_SANDBOX": "sandbox", "MPLT_SCRATCH": "scratch",
                        "MPLT_OPENAI_CONCURRENCY": "openai_concurrency", "MPLT_OPENAI_TIMEOUT_S": "openai_timeout_s",
                        "MPLT_OPENAI_RETRIES": "openai_retries"}
HOST_KEYS = ("execution", "sandbox", "scratch", "toolchains", "openai_concurrency", "openai_timeout_s",
             "openai_retries", "cluster")
# `cluster`: "" runs here (Ray is never imported), "local" starts an in-process Ray (tests), "auto"
# joins the cluster this node belongs to, "ray://host:10001" a Ray client server, "host:6379" a head
# node's GCS address (docs/cluster.md).
CLUSTER_NAMES = ("local", "auto")
_CLUSTER_ADDRESS = re.compile(r"^(ray://)?[A-Za-z0-9_.\-\[\]:]+:[0-9]{1,5}$")


@dataclass(frozen=True)
class HostSettings:
    execution: str = "warm"          # "warm" (docs/warm.md) or "cold"
    sandbox: str = ""                # a forced sandbox mode; "": the best this machine offers
    scratch: str = ""                # parent of the programs' scratch directories; "": the system's
    toolchains: tuple[tuple[str, str], ...] = ()   # (language, executable) overriding the search
    openai_concurrency: int = 8      # requests in flight
    openai_timeout_s: float = 600.0  # per request: n x 512 tokens can take minutes
    openai_retries: int = 6          # attempts after the first
    cluster: str = ""                # "": this machine; "local", "auto" or an address: Ray (docs/cluster.md)

    def toolchain(self, language: str) -> str | None:
        """The executable named for `language` (its registry name), else $MPLT_<LANG>, else None."""
        named = dict(self.toolchains).get(language)
        return named or environment_default(f"MPLT_{language.upper()}") or None

    def scratch_root(self) -> Path:
        return Path(self.scratch) if self.scratch else Path(tempfile.gettempdir())

    def record(self, languages: tuple[str, ...] = ()) -> dict[str, Any]:
        """Plain data for config.json and environment.json; the toolchain overrides in force for
        `languages`, from a profile, a flag or the environment."""
        out = dataclasses.asdict(self)
        out["toolchains"] = {name: path for name in languages if (path := self.toolchain(name))}
        out["toolchains"].update(dict(self.toolchains))
        return out


def environment_default(variable: str) -> str | None:
    """The value of a documented default's variable (docs/environment.md); None when unset or empty."""
    return os.environ.get(variable) or None


def environment_values(languages: tuple[str, ...] = ()) -> dict[str, str]:
    """The documented default variables that are set, for environment.json."""
    names = (*ENVIRONMENT_DEFAULTS, *(f"MPLT_{name.upper()}" for name in languages))
    return {name: value for name in names if (value := environment_default(name)) is not None}


def resolve(given: dict[str, Any] | None = None, where: str = "", *, flags: dict[str, Any] | None = None,
            flag_names: dict[str, str] | None = None) -> HostSettings:
    """Settings from `flags` (a command's, shown as `flag_names`), then `given` (a profile's `[run]`
    keys, shown after `where`), then the environment, then the defaults; None values are absent. A
    bad value is one line naming where it came from."""
    given = {k: v for k, v in (given or {}).items() if v is not None and k in HOST_KEYS}
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    unknown = sorted(set(flags) - set(HOST_KEYS))
    if unknown:
        raise MpltError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(HOST_KEYS)}")
    if "toolchains" in flags and "toolchains" in given:   # a flag names one language, the profile the rest
        flags["toolchains"] = {**dict(_pairs(given["toolchains"])), **flags["toolchains"]}
    values: dict[str, Any] = {}
    sources: dict[str, tuple[str, str]] = {}
    for variable, name in ENVIRONMENT_DEFAULTS.items():
        raw = environment_default(variable)
        if raw is not None and name not in given:
            shown = raw if name == "scratch" else repr(raw)
            values[name], sources[name] = raw, (f"{variable}={shown}", "unset it")
    for name, value in given.items():
        values[name], sources[name] = value, (f"{where} {name}={value!r}".strip(), f"remove {name}")
    for name, value in flags.items():
        shown = (flag_names or {}).get(name, name)
        values[name], sources[name] = value, (f"{shown} {value!r}", f"drop {shown}")
    for name, value in list(values.items()):
        values[name] = _checked(name, value, *sources[name])
    return HostSettings(**values)


def _checked(name: str, value: Any, source: str, undo: str) -> Any:
    if name == "toolchains":
        return _checked_toolchains(value, source)
    if name == "cluster":
        return _checked_cluster(value, source, undo)
    if name in ("execution", "sandbox", "scratch"):
        return _checked_string(name, value, source, undo)
    return _checked_number(name, value, source)


def _checked_toolchains(value: Any, source: str) -> tuple[tuple[str, str], ...]:
    pairs = _pairs(value)
    if not all(isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(x, str) and x for x in p)
               for p in pairs):
        raise MpltError(f"{source}: toolchains maps a language to an executable, e.g. {{lua = \"/usr/bin/lua5.3\"}}")
    return tuple(sorted((str(k), str(v)) for k, v in pairs))


def _checked_string(name: str, value: Any, source: str, undo: str) -> str:
    if not isinstance(value, str):
        raise MpltError(f"{source}: expected a string")
    if name == "execution" and value not in EXECUTION_MODES:
        raise MpltError(f"{source}: unknown execution mode; known: {', '.join(EXECUTION_MODES)}")
    if name == "sandbox" and value not in ("", *SANDBOX_MODES):
        raise MpltError(f"{source}: unknown sandbox mode; known: {', '.join(SANDBOX_MODES)} "
                        f"({undo} for the best available)")
    if name == "scratch" and value:
        check_scratch(value, source, undo)
    return value


def _checked_cluster(value: Any, source: str, undo: str) -> str:
    """"", "local", "auto" or a Ray address; a named cluster needs Ray installed (the `ray` extra),
    found without importing it (docs/style.md, rule 8)."""
    if not isinstance(value, str):
        raise MpltError(f"{source}: expected a string")
    value = value.strip()
    if value and value not in CLUSTER_NAMES and not _CLUSTER_ADDRESS.match(value):
        raise MpltError(f"{source}: expected local, auto, ray://HOST:PORT or HOST:PORT ({undo} to run on this machine)")
    if value and importlib.util.find_spec("ray") is None:
        raise MpltError(f"{source}: Ray is not installed; `pip install -e .[ray]` (or `make setup`), or {undo} "
                        "to run on this machine")
    return value


# The OpenAI client's numbers: (type, smallest allowed, how the bound reads); the timeout is above 0.
_NUMBERS = {"openai_concurrency": (int, 1, ">= 1"), "openai_timeout_s": (float, None, "> 0 and finite"),
            "openai_retries": (int, 0, ">= 0")}


def _checked_number(name: str, value: Any, source: str) -> int | float:
    cast, least, bound = _NUMBERS[name]
    try:
        number = None if isinstance(value, bool) or (cast is int and isinstance(value, float)) else cast(value)
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise MpltError(f"{source}: must be {'a number' if cast is float else 'an integer'}")
    if (number < least) if least is not None else not (0 < number < math.inf):
        raise MpltError(f"{source}: must be {bound}")
    return number


def _pairs(value: Any) -> list:
    return list(value.items()) if isinstance(value, dict) else list(value) if isinstance(value, (list, tuple)) else [None]


def check_scratch(value: str, source: str, undo: str) -> None:
    """An existing, writable directory. It is not created: a mistyped path would silently scatter
    scratch space (docs/bad-input.md)."""
    parent = Path(value)
    if not parent.exists():
        raise MpltError(f"{source}: no such directory; create it or {undo}")
    if not parent.is_dir():
        raise MpltError(f"{source}: not a directory; point it at a directory or {undo}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise MpltError(f"{source}: cannot write there (permission denied); point it at a writable directory "
                        f"or {undo}")


_APPLIED: list[HostSettings] = []


def current() -> HostSettings:
    """The settings a command applied, else the environment's defaults (read now)."""
    return _APPLIED[-1] if _APPLIED else resolve()


@contextmanager
def applied(settings: HostSettings) -> Iterator[HostSettings]:
    """`settings` for everything inside the block; the previous ones come back after it."""
    _APPLIED.append(settings)
    try:
        yield settings
    finally:
        _APPLIED.pop()
