"""The host settings' flags (mplt/settings.py, docs/environment.md), shared by the commands that
execute programs or sample from a server: `run`, `stage`, `evaluate`, `exec`."""
from __future__ import annotations

import argparse
from typing import Any

FLAGS = {"sandbox": "--sandbox", "scratch": "--scratch", "toolchains": "--toolchain",
         "openai_concurrency": "--openai-concurrency", "openai_timeout_s": "--openai-timeout-s",
         "openai_retries": "--openai-retries", "cluster": "--cluster"}
FLAG_NAMES = {**FLAGS, "execution": "--cold"}


def add_host_arguments(parser: argparse.ArgumentParser, *, openai: bool = True, cluster: bool = True) -> None:
    """The host flags; `exec` (one program, run here) takes neither the OpenAI client's nor `--cluster`."""
    parser.add_argument("--sandbox", metavar="MODE", default=None,
                        help="force a sandbox mode: bubblewrap, netns or none (default: [run] sandbox, "
                             "$MPLT_SANDBOX, else the best available)")
    parser.add_argument("--scratch", metavar="DIR", default=None,
                        help="existing directory for the programs' scratch directories (default: [run] scratch, "
                             "$MPLT_SCRATCH, else the system's temporary directory)")
    parser.add_argument("--toolchain", metavar="LANG=PATH", action="append", default=None, dest="toolchains",
                        help="the executable for a language, repeatable (default: [run] toolchains, "
                             "$MPLT_<LANG>, else the language's search)")
    if cluster:
        parser.add_argument("--cluster", metavar="ADDRESS", default=None,
                            help="execute (and, with backend ray, sample) on a Ray cluster: local (an in-process "
                                 "Ray), auto (the cluster of this node) or ray://HOST:PORT (default: [run] cluster, "
                                 "else this machine; docs/cluster.md)")
    if openai:
        parser.add_argument("--openai-concurrency", type=int, default=None, metavar="N",
                            help="backend openai: requests in flight (default 8, $MPLT_OPENAI_CONCURRENCY)")
        parser.add_argument("--openai-timeout-s", type=float, default=None, metavar="S",
                            help="backend openai: seconds per request (default 600, $MPLT_OPENAI_TIMEOUT_S)")
        parser.add_argument("--openai-retries", type=int, default=None, metavar="N",
                            help="backend openai: retries after the first attempt (default 6, $MPLT_OPENAI_RETRIES)")


def host_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given as flags; `--toolchain LANG=PATH` becomes {LANG: PATH}, `--cold` execution "cold"."""
    from mplt.errors import MpltError
    from mplt.langs import get_language
    out = {name: getattr(args, name) for name in FLAGS if getattr(args, name, None) is not None}
    if "toolchains" in out:
        pairs = {}
        for item in out["toolchains"]:
            lang, sep, path = item.partition("=")
            if not sep or not lang.strip() or not path.strip():
                raise MpltError(f"--toolchain {item!r}: expected LANG=PATH, e.g. lua=/usr/bin/lua5.3")
            pairs[get_language(lang.strip()).name] = path.strip()
        out["toolchains"] = pairs
    if getattr(args, "cold", False):
        out["execution"] = "cold"
    return out


def host_settings(args: argparse.Namespace, table: dict[str, Any] | None = None, where: str = ""):
    """A command's settings: its flags over the profile's `[run]` keys (`table`) over the environment."""
    from mplt.run.profiles import host_settings as resolve_host
    return resolve_host(table or {}, where, host_flags(args), FLAG_NAMES)
