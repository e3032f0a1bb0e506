"""`python reproduce.py translate --benchmark humaneval [--humaneval-path P] --lang LANG --out FILE`:
translate HumanEval into MultiPL-E problem records (JSONL) for one target language or `all`, and
print how many problems were translated and why the others were skipped."""
from __future__ import annotations

import argparse
from collections import Counter

HELP = "translate HumanEval into MultiPL-E prompts + tests (JSONL) and print skip reasons"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mplt.langs import TARGETS, target_languages
    parser.add_argument("--benchmark", default="humaneval", choices=["humaneval"],
                        help="the Python benchmark to translate")
    parser.add_argument("--humaneval-path", default=None,
                        help="local HumanEval JSONL(.gz); default: the Hub (openai_humaneval, pinned)")
    parser.add_argument("--lang", default="all", help=f"{', '.join(target_languages())}, a comma list, "
                        f"or all (the paper's {', '.join(TARGETS)})")
    parser.add_argument("--out", required=True, help="output JSONL (all requested languages in one file)")
    parser.add_argument("--add-canonical", action="store_true",
                        help="put the Python solution as a comment block before the docstring (MultiPL-T)")
    parser.add_argument("--strict", action="store_true",
                        help="skip a problem when any of its tests is untranslatable (newer MultiPL-E); "
                             "default: drop only that test (MultiPL-T's --skip-failing-tests)")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from mplt.benchmarks.humaneval import load_problems
    from mplt.errors import MpltError
    from mplt.io import ensure_writable_file, write_jsonl
    from mplt.langs import parse_languages
    from mplt.translation import Skip, translate_problem
    from mplt.translation.driver import prefetch_references

    languages = [lang.name for lang in parse_languages(args.lang)]
    if not languages:   # an empty --lang is a mistake, not "all languages" nor an empty file
        raise MpltError(f"--lang {args.lang!r} names no language; give e.g. lua,rkt or all")
    ensure_writable_file(args.out, "--out")   # before the translation, not when its result is written
    problems = load_problems(args.humaneval_path)
    prefetch_references(problems, languages)   # the reference check, batched (speed only)
    records, reasons, dropped = [], Counter(), Counter()
    translated = Counter()
    for language in languages:
        for problem in problems:
            out = translate_problem(problem, language, add_canonical=args.add_canonical,
                                    drop_failing_tests=not args.strict)
            if isinstance(out, Skip):
                reasons[(language, out.reason)] += 1
                continue
            translated[language] += 1
            dropped.update((language, why) for _, why in out.skipped_tests)
            records.append(out.to_record())
    write_jsonl(args.out, records)

    table = Table(title=f"translate {args.benchmark}: {len(problems)} problems -> {args.out}",
                  title_justify="left")
    table.add_column("", no_wrap=True)
    for language in languages:
        table.add_column(language, justify="right")
    table.add_row("[bold]translated[/]", *(str(translated[lang]) for lang in languages))
    for kind, counter in (("skipped", reasons), ("dropped test", dropped)):
        for reason in sorted({r for _, r in counter}):
            table.add_row(f"{kind}: {reason}", *(str(counter[(lang, reason)] or "-") for lang in languages))
    Console().print(table)
    return 0
