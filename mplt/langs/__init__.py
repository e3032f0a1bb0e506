"""The language registry: a plain dict keyed by short names (docs/style.md, rule 3).

    get_language("racket") -> the `rkt` Language; unknown names raise UnknownLanguage,
    whose message lists the known keys.
"""
from __future__ import annotations

from mplt.errors import MpltError
from mplt.langs import jl, lua, ml, py, r, rkt
from mplt.langs.base import Language

LANGUAGES: dict[str, Language] = {m.LANGUAGE.name: m.LANGUAGE for m in (py, lua, rkt, ml, r, jl)}
# The five MultiPL-T targets, in the paper's order.
TARGETS: tuple[str, ...] = ("lua", "rkt", "ml", "r", "jl")


class UnknownLanguage(MpltError, KeyError):
    def __str__(self) -> str:
        return self.args[0]


def get_language(name: str) -> Language:
    key = name.strip().lower()
    if key in LANGUAGES:
        return LANGUAGES[key]
    for lang in LANGUAGES.values():
        if key in lang.aliases or key == lang.display_name.lower():
            return lang
    known = ", ".join(f"{k} ({'/'.join(v.aliases)})" if v.aliases else k for k, v in LANGUAGES.items())
    raise UnknownLanguage(f"unknown language {name!r}; known: {known}")


def parse_languages(spec: str) -> list[Language]:
    """`"lua,rkt"` -> languages; `"all"` -> the five targets."""
    if spec.strip().lower() == "all":
        return [LANGUAGES[k] for k in TARGETS]
    return [get_language(part) for part in spec.split(",") if part.strip()]
