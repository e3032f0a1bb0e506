"""`python reproduce.py list [KIND]`: what this installation knows, one line each, read from the
registries themselves (docs/style.md, rule 3), so a new benchmark, language, backend, profile or
preset shows up here without touching this file.

    reproduce.py list              # every kind
    reproduce.py list benchmarks   # one kind: benchmarks | languages | backends | profiles | presets
"""
from __future__ import annotations

import argparse
from typing import Callable

HELP = "list the benchmarks, languages, generation backends, profiles and fine-tuning presets"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", nargs="?", default=None, help=f"one of {', '.join(KINDS)} (default: all)")


def list_benchmarks() -> list[tuple[str, str]]:
    from mplt.benchmarks import benchmarks
    rows = []
    for name, b in benchmarks().items():
        family = f"compared with {b.comparable_with}" if b.comparable_with else "compared with no published figure"
        prompts = "stripped prompts" if b.protocol.strip_prompt else "prompts as written"
        rows.append((name, f"{b.description} [{b.task}; {', '.join(b.languages)}; {prompts}, "
                           f"{b.protocol.stop_tokens} stop tokens; {family}]"))
    return rows


def list_languages() -> list[tuple[str, str]]:
    from mplt.langs import languages
    rows = []
    for key, lang in languages().items():
        role = (f"target, the paper's #{lang.paper_rank}" if lang.paper_rank
                else "target" if lang.is_target else "source")
        rows.append((key, f"{lang.display_name} ({role})"))
    return rows


def list_backends() -> list[tuple[str, str]]:
    from mplt.generation.backends import AUTO, BACKENDS
    rows = [(name, _module_summary(module)) for name, module in BACKENDS.items()]
    return rows + [(AUTO, "vllm where it imports and a CUDA GPU is present, else hf (mplt.generation.engine)")]


def list_profiles() -> list[tuple[str, str]]:
    from mplt.config import load_toml
    from mplt.run.profiles import list_profiles as names, profile_path
    return [(name, str((load_toml(profile_path(name)).get("run") or {}).get("description", ""))) for name in names()]


def list_presets() -> list[tuple[str, str]]:
    from mplt.training.config import PRESETS
    rows = []
    for name, settings in PRESETS.items():
        kind = settings.get("finetune", "lora")
        base = "4-bit base" if settings.get("load_in_4bit") else "full-precision base"
        rows.append((name, f"{kind} fine-tuning on a {base}, lr {settings.get('lr')}, {settings.get('epochs')} epochs, "
                           f"{settings.get('seq_len')}-token windows, batch {settings.get('micro_batch')} x "
                           f"{settings.get('grad_accum')}"))
    return rows


KINDS: dict[str, Callable[[], list[tuple[str, str]]]] = {
    "benchmarks": list_benchmarks,
    "languages": list_languages,
    "backends": list_backends,
    "profiles": list_profiles,
    "presets": list_presets,
}


def _module_summary(module: str) -> str:
    """The head of a module's docstring (up to its first top-level colon), read without importing the
    module (vllm is an optional extra)."""
    import ast
    import importlib.util
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        return ""
    with open(spec.origin, encoding="utf-8") as f:
        docstring = ast.get_docstring(ast.parse(f.read())) or ""
    head, depth = docstring.split("\n\n", 1)[0].replace("\n", " "), 0
    for i, char in enumerate(head):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ":" and depth == 0 and head[i + 1:i + 2] == " ":
            return head[:i]
    return head


def format_rows(rows: list[tuple[str, str]]) -> list[str]:
    width = max((len(name) for name, _ in rows), default=0)
    return [f"{name:<{width}}  {text}".rstrip() for name, text in rows]


def run(args: argparse.Namespace) -> int:
    from mplt.errors import MpltError
    if args.kind is not None and args.kind not in KINDS:
        raise MpltError(f"unknown kind {args.kind!r}; known: {', '.join(KINDS)}")
    kinds = [args.kind] if args.kind else list(KINDS)
    for i, kind in enumerate(kinds):
        lines = format_rows(KINDS[kind]())
        if len(kinds) > 1:
            print(("\n" if i else "") + f"{kind}:")
            lines = ["  " + line for line in lines]
        print("\n".join(lines))
    return 0
