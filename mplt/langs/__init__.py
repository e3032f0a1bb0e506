"""The language registry: a plain dict keyed by short names (docs/style.md, rule 3), built from
the language modules of this package (docs/languages.md).

Every module `mplt/langs/<key>.py` that defines `LANGUAGE` is a language. The registry
(`languages()`) is built on first use, not when this package is imported (docs/style.md, rule 3):
it imports every language module then and checks each against the contract
(`base.check_language`), so an incomplete language fails there with one line and never mid-run.
Everything that lists languages reads this registry: plots, doctor, the Debian packages that
scripts/setup.sh installs (`python -m mplt.langs --apt-packages`) and so the Dockerfile.
`TARGETS`, the default targets of every stage config, is declared here; the registry checks it
against the languages' `paper_rank`s when it is built.

    get_language("racket") -> the `rkt` Language; unknown names raise UnknownLanguage,
    whose message lists the known keys.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterable

from mplt.errors import MpltError
from mplt.langs.base import Language, LanguageContractError, TargetLanguage, check_language

# Modules of this package that hold the contract and its helpers, not a language.
_SUPPORT_MODULES = frozenset({"base", "render", "status", "types"})


def build_registry(languages: Iterable[object]) -> dict[str, Language]:
    """Check each candidate (a Language subclass or instance) and key it by name: the source
    language first, then the paper's targets in the paper's order, then the others by name."""
    checked = [check_language(candidate) for candidate in languages]
    registry: dict[str, Language] = {}
    for lang in sorted(checked, key=lambda x: (x.is_target, x.paper_rank == 0, x.paper_rank, x.name)):
        if lang.name in registry:
            raise LanguageContractError(f"language {lang.name}: registered twice")
        registry[lang.name] = lang
    ranks = [lang.paper_rank for lang in registry.values() if lang.paper_rank]
    if len(ranks) != len(set(ranks)):
        raise LanguageContractError(f"two languages share a paper_rank ({sorted(ranks)})")
    return registry


def _language_modules() -> list[object]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name in _SUPPORT_MODULES:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if not hasattr(module, "LANGUAGE"):
            raise LanguageContractError(f"mplt/langs/{info.name}.py defines no LANGUAGE")
        found.append(module.LANGUAGE)
    return found


# The five MultiPL-T targets, in the paper's order (docs/method.md, section 1): the default `langs`
# of every stage config. A declared constant, so that a config module does not build the registry;
# each names the language whose `paper_rank` is its position (tests/langs/test_contract.py).
TARGETS: tuple[str, ...] = ("lua", "rkt", "ml", "r", "jl")


@functools.cache
def languages() -> dict[str, Language]:
    """Every registered language by key, in the registry's order (`build_registry`), built once on
    first use. Tests that register a language of their own set it here (monkeypatch.setitem)."""
    registry = build_registry(_language_modules())
    ranked = tuple(key for key, lang in sorted(registry.items(), key=lambda kv: kv[1].paper_rank) if lang.paper_rank)
    if ranked != TARGETS:
        raise LanguageContractError(f"the languages ranked by paper_rank are {ranked}, but TARGETS is {TARGETS}")
    return registry


class UnknownLanguage(MpltError, KeyError):
    def __str__(self) -> str:
        return self.args[0]


def get_language(name: str) -> Language:
    key = name.strip().lower()
    registry = languages()
    if key in registry:
        return registry[key]
    for lang in registry.values():
        if key in lang.aliases or key == lang.display_name.lower():
            return lang
    known = ", ".join(f"{k} ({'/'.join(v.aliases)})" if v.aliases else k for k, v in registry.items())
    raise UnknownLanguage(f"unknown language {name!r}; known: {known}")


def get_target(name: str) -> TargetLanguage:
    """The target language `name`; an MpltError for the source language."""
    lang = get_language(name)
    if not isinstance(lang, TargetLanguage):
        raise MpltError(f"{lang.display_name} is the source language, not a translation target")
    return lang


def target_languages() -> tuple[str, ...]:
    """Every registered target, the paper's five first."""
    return tuple(k for k, v in languages().items() if isinstance(v, TargetLanguage))


def parse_languages(spec: str) -> list[Language]:
    """`"lua,rkt"` -> languages; `"all"` -> the five targets."""
    if spec.strip().lower() == "all":
        return [languages()[k] for k in TARGETS]
    return [get_language(part) for part in spec.split(",") if part.strip()]
