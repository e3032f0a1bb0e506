"""The registry of generation backends: a name (`backend = "hf"` in a profile, `--backend` on `eval`)
maps to the module that implements `mplt.generation.backends.base.Backend`.

A backend only turns prompts into completions; streaming to JSONL, resume by id and the check that
a resumed file was sampled with the same settings live once, in `mplt.generation.sample`. A new
engine (vLLM in process, an OpenAI-compatible server) is one module here that defines `open_backend`
and one line in BACKENDS. Modules are imported on first use, so naming a backend costs nothing.
"""
from __future__ import annotations

import importlib

from mplt.errors import MpltError

# name -> module defining `open_backend(options: ModelOptions) -> Backend`
BACKENDS = {
    "hf": "mplt.generation.backends.hf",   # transformers `generate` (the paper's and MultiPL-E's default)
}


def check_backend(name: str, where: str = "backend") -> str:
    """`name` if it is a registered backend, else a one-line error listing the known ones."""
    if name not in BACKENDS:
        raise MpltError(f"{where}: unknown backend {name!r}; known: {', '.join(BACKENDS)}")
    return name


def open_backend(name: str, options):
    """The backend `name` serving the model described by `options` (a ModelOptions)."""
    module = importlib.import_module(BACKENDS[check_backend(name)])
    return module.open_backend(options)
