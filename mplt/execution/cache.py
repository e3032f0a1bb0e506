"""Content hashes of programs, so identical programs run once (MultiPL-E evaluates identical
program texts once: docs/conventions.md, section 5)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from mplt.execution.limits import Limits


def program_key(language: str, program: str, limits: Limits) -> str:
    """Hash of what decides a verdict: canonical language key, program text and limits."""
    h = hashlib.sha256()
    for part in (language, program, json.dumps(asdict(limits), sort_keys=True)):
        data = part.encode("utf-8", errors="surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()
