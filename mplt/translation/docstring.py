"""Docstring processing shared by all targets (docs/conventions.md, sections 1.2-1.4; docs/method.md, section 3.2):
terminology rewording, the doctest "transform" mode, normalisation, and the canonical-solution
comment block of MultiPL-T's translation prompts.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable

from mplt.langs import get_language
from mplt.langs.base import TERM_FIELDS
from mplt.translation.pyparse import literal_value
from mplt.langs.types import Untranslatable

CANONICAL_HEADER = "## Canonical Python Solution ##"

# render(args, expected) -> (call text, value text); raises Untranslatable.
DoctestRenderer = Callable[[tuple, object], tuple[str, str]]


def reword(text: str, language: str) -> str:
    """Replace Python vocabulary with the target's (its `terms`, MultiPL-E's terms.csv row), whole
    words only, fixing a/an articles."""
    for field, target in zip(TERM_FIELDS, get_language(language).terms):
        for word in dict.fromkeys((field, field.lower())):
            if not re.search(rf"\b{re.escape(word)}\b", text):
                continue
            article = "an" if target[:1].lower() in "aeiou" else "a"
            text = re.sub(rf"\b(?:a|an) {re.escape(word)}\b", f"{article} {target}", text)
            text = re.sub(rf"(?<![\w#]){re.escape(word)}\b", target, text)
    return text


def _parse_call(src: str, entry_point: str) -> tuple | None:
    try:
        node = ast.parse(src.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry_point \
            and not node.keywords:
        return tuple(literal_value(a) for a in node.args)
    raise Untranslatable("doctest is not a call of the function")


def _parse_value(src: str) -> tuple[bool, object]:
    try:
        return True, literal_value(ast.parse(src.strip(), mode="eval").body)
    except (SyntaxError, Untranslatable):
        return False, None


def _match_doctest(lines: list[str], i: int, entry_point: str) -> tuple[tuple, object, int]:
    """Parse the doctest starting at line i -> (args, expected, lines consumed)."""
    src = lines[i].strip().lstrip("> ").rstrip()
    try:
        node = ast.parse(src, mode="eval").body
    except SyntaxError:
        node = None
    # `>>> f(x) == y` on one line (HumanEval's uncleaned docstrings use it).
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        args = _parse_call(ast.unparse(node.left), entry_point)
        if args is not None:
            return args, literal_value(node.comparators[0]), 1
    # A call continued over several lines (a string literal with an embedded newline).
    for extra in range(0, 4):
        if i + extra >= len(lines) or (extra and lines[i + extra].strip().startswith(">>>")):
            break
        parts = [src] + [ln.strip() for ln in lines[i + 1:i + 1 + extra]]
        for joiner in ("\n", "\\n"):
            args = _parse_call(joiner.join(parts), entry_point)
            if args is not None:
                return _with_expected(args, lines, i, extra)
    raise Untranslatable("doctest does not parse")


def _with_expected(args: tuple, lines: list[str], i: int, extra: int) -> tuple[tuple, object, int]:
    start = i + 1 + extra
    if start >= len(lines) or not lines[start].strip() or lines[start].strip().startswith(">>>"):
        return args, None, 1 + extra          # no output line: the call returns None
    for count in range(1, 4):
        block = [ln.strip() for ln in lines[start:start + count]]
        if count > 1 and (not block[-1] or block[-1].startswith(">>>")):
            break
        # "\\n" first: a string literal whose `\n` became a real newline in the docstring value.
        for joiner in ("\\n", " "):
            ok, value = _parse_value(joiner.join(block))
            if ok:
                return args, value, 1 + extra + count
    raise Untranslatable("doctest output does not parse")


def transform_doctests(doc: str, language: str, entry_point: str, render: DoctestRenderer) -> str:
    """Reword the prose and re-render every `>>>` example in the target (mode "transform").

    A doctest that cannot be parsed or rendered is kept verbatim instead of skipping the problem
    (docs/deviations.md: HumanEval's own docstrings are not cleaned as MultiPL-E's sources are)."""
    lines = doc.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip().startswith(">>>"):
            out.append(reword(line, language))
            i += 1
            continue
        indent = line[:len(line) - len(line.lstrip())]
        try:
            args, expected, used = _match_doctest(lines, i, entry_point)
            call, value = render(args, expected)
        except (Untranslatable, RecursionError):
            out.append(line)
            i += 1
            continue
        out.append(f"{indent}>>> {call}")
        out.append(f"    {value}")
        i += used
    return "\n".join(out)


def normalise(doc: str) -> str:
    """Drop blank lines and remove the common indentation of the lines after the first (1.4)."""
    lines = [ln for ln in doc.split("\n") if ln.strip()]
    if len(lines) < 2:
        return "\n".join(lines)
    width = len(lines[1]) - len(lines[1].lstrip())
    return "\n".join(ln[width:] if not ln[:width].strip() else ln for ln in lines)


def canonical_block(body: str) -> str:
    """MultiPL-T's `--add-canonical-to-prompt` block: header, then `# line` per non-blank body
    line with its first four characters (the function-body indentation) removed (docs/method.md, section 3.2)."""
    lines = [f"# {ln[4:] if not ln[:4].strip() else ln}" for ln in body.split("\n") if ln.strip()]
    return "\n".join([CANONICAL_HEADER, *lines])
