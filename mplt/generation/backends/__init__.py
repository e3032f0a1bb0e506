"""The registry of generation backends: a name (`backend = "hf"` in a profile, `--backend` on `eval`)
maps to the module that implements `mplt.generation.backends.base.Backend`.

A backend only turns requests into raw texts; the sampling rules (prompt handling, stop strings,
greedy copies, context skips, progress) live once in `mplt.generation.backends.base.Backend`, and
streaming to JSONL, resume by id and the check that a resumed file was sampled with the same
settings live once, in `mplt.generation.sample`. A new engine is one module here that defines
`open_backend` and `PACKAGES` (the distributions recorded in environment.json) and one line in
BACKENDS (docs/generation.md, "Adding a backend"). Modules are
imported on first use, so naming a backend costs nothing (vllm, for one, is an optional extra).
`"auto"` is not an engine: it names vllm where it runs, hf otherwise (`mplt.generation.engine`).
"""
from __future__ import annotations

import importlib

from mplt.errors import MpltError

# name -> module defining `open_backend(options: ModelOptions) -> Backend`
BACKENDS = {
    "hf": "mplt.generation.backends.hf",   # transformers `generate` (the paper's and MultiPL-E's default)
    "vllm": "mplt.generation.backends.vllm",       # vllm.LLM in this process (`pip install -e .[vllm]`)
    "openai": "mplt.generation.backends.openai",   # any server with an OpenAI-style /v1/completions
    "ray": "mplt.generation.backends.ray_replicas",   # vLLM replicas as Ray actors (`[run] cluster`, docs/cluster.md)
}
# The backends that sample on a server at `base_url` rather than in this process.
REMOTE = ("openai",)
AUTO = "auto"   # vllm where it imports and a CUDA GPU is present, else hf (mplt.generation.engine)


def check_backend(name: str, where: str = "backend", base_url: str = "") -> str:
    """`name` if it is a registered backend and `base_url` suits it (a remote backend needs an http(s)
    URL, the others take none), else a one-line error."""
    if name not in BACKENDS and name != AUTO:
        raise MpltError(f"{where}: unknown backend {name!r}; known: {', '.join(BACKENDS)}, {AUTO}")
    if name in REMOTE:
        # Several servers of one model: URLs separated by commas (docs/cluster.md).
        parts = [part.strip() for part in base_url.split(",")]
        for part in parts:
            scheme, _, rest = part.partition("://")
            if scheme not in ("http", "https") or not rest.strip("/"):
                raise MpltError(f"{where}: backend {name!r} needs base_url (--base-url) as http://HOST:PORT, "
                                f"got {base_url!r} (several servers: URL1,URL2)")
    elif base_url:
        raise MpltError(f"{where}: base_url is only read by backend(s) {', '.join(REMOTE)}, not {name!r}")
    return name


def backend_packages() -> dict[str, tuple[str, ...]]:
    """Each backend's distributions (its module's PACKAGES), for environment.json. The modules import
    their engines inside functions (docs/style.md, rule 8), so this imports neither torch nor vllm."""
    return {name: tuple(importlib.import_module(module).PACKAGES) for name, module in BACKENDS.items()}


def open_backend(name: str, options):
    """The backend `name` serving the model described by `options` (a ModelOptions); "auto" is
    resolved here when nothing resolved it before (a run and `eval` do, and say so)."""
    if name == AUTO:
        import logging

        from mplt.generation.engine import choose_engine
        choice = choose_engine()
        logging.getLogger(__name__).warning(choice.line())
        name = choice.engine
    module = importlib.import_module(BACKENDS[check_backend(name, base_url=options.base_url)])
    return module.open_backend(options)
