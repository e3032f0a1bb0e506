"""Cleaning and deduplication of passing translations (docs/method.md, section 4.1, steps 2-5).

* `clean_program`: cut the test harness (the language's marker), remove the
  `## Canonical Python Solution ##` comment block (re-inserting the OCaml `(**` / Julia `\"\"\"`
  opener it shared a line with), and drop blank lines and blank comment lines, so an item holds
  only the target-language docstring comment, signature and body.
* `rouge_dedup`: within one problem, greedily drop every later solution whose ROUGE-Lsum F
  against a kept earlier one is > threshold (0.6), comparing code with all comments stripped,
  with Porter stemming (`rouge-score`); several different solutions per problem survive.
"""
from __future__ import annotations

import re

from mplt.langs import get_target
from mplt.translation.docstring import CANONICAL_HEADER
_BLOCK_OPENERS = ("(**", '"""')
_BLANK_COMMENT = re.compile(r"^\s*(--|;+|#|\*)?\s*$")


def cut_harness(program: str, language: str) -> str:
    """docs/method.md, section 4.1 step 2: the program up to where the language's test harness
    starts (its `harness_marker`)."""
    marker = get_target(language).harness_marker
    index = program.find(marker)
    return program if index < 0 else program[:index]


def remove_canonical_block(text: str) -> str:
    lines = text.split("\n")
    header = next((i for i, line in enumerate(lines) if CANONICAL_HEADER in line), None)
    if header is None:
        return text
    opener = lines[header].split(CANONICAL_HEADER)[0].strip()
    block_line = re.compile(r"^\s*#" if opener in _BLOCK_OPENERS else rf"^\s*{re.escape(opener)}\s*#")
    end = header + 1
    while end < len(lines) and block_line.match(lines[end]):
        end += 1
    kept_header = [opener] if opener in _BLOCK_OPENERS else []
    return "\n".join(lines[:header] + kept_header + lines[end:])


def drop_blank_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not _BLANK_COMMENT.match(line))


def clean_program(program: str, language: str) -> str:
    text = cut_harness(program, language)
    text = remove_canonical_block(text)
    return drop_blank_lines(text).strip("\n") + "\n"


def strip_comments(code: str, language: str) -> str:
    """The language's comments (`comment_patterns`) removed, for ROUGE comparison only (a comment
    marker inside a string literal is also cut; harmless for a similarity score)."""
    for pattern in get_target(language).comment_patterns:
        code = pattern.sub("", code)
    return code


def rouge_dedup(solutions: list[str], language: str, threshold: float = 0.6) -> list[str]:
    """Greedy near-duplicate removal in order (`dedup_solutions.rouge_dedup`)."""
    if threshold >= 1 or len(solutions) < 2:
        return list(solutions)
    from rouge_score import rouge_scorer
    scorer = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=True)
    stripped = [strip_comments(s, language) for s in solutions]
    dropped = [False] * len(solutions)
    for i in range(len(solutions)):
        if dropped[i]:
            continue
        for j in range(i + 1, len(solutions)):
            if not dropped[j] and scorer.score(stripped[i], stripped[j])["rougeLsum"].fmeasure > threshold:
                dropped[j] = True
    return [s for s, d in zip(solutions, dropped) if not d]
