"""Add type annotations inferred from the tests to a Python prompt.

OpenAI's HumanEval leaves most parameters unannotated (or annotates bare `list`), while OCaml and
Julia need types; MultiPL-E annotated its copy by hand, and annotated MBPP automatically from the
test values (`mbpp_type_annotate.py`, docs/conventions.md, section 0.1). This does the latter: missing or
incomplete annotations of the entry point are filled from `types.infer_type` of the test arguments
and expected values; complete annotations are kept. docs/deviations.md lists the consequences.
"""
from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Mapping

from mplt.translation.pyparse import TestCase, parse_test
from mplt.langs.types import (UNKNOWN, PyType, Untranslatable, annotation_text, complete,
                                    infer_type, is_complete, parse_annotation, refine, unify_all)


def _cases(tests: tuple[str, ...] | list[str], entry_point: str) -> list[TestCase]:
    out = []
    for t in tests:
        try:
            case = parse_test(t, entry_point)
        except Untranslatable:
            continue
        if case is not None:
            out.append(case)
    return out


def _new_type(node: ast.expr | None, observed: PyType) -> PyType | None:
    """The annotation to write, or None to keep what is there."""
    try:
        declared = parse_annotation(node)
    except Untranslatable:
        return None
    if declared is not None and is_complete(declared):
        return None
    if observed == UNKNOWN and declared is None:
        return None
    return complete(refine(declared, observed))


def _has_union(t: PyType) -> bool:
    return t.kind == "union" or any(_has_union(a) for a in t.args)


def _observed(cases: list[TestCase], arity: int) -> tuple[list[PyType], PyType]:
    """Observed parameter and return types. When they need a Union only because of one test
    (HumanEval_78 passes `[]` to a string function once, HumanEval_95 has one int dict key),
    that test is left out of the inference; the translator then drops it as ill-typed."""
    def infer(subset: list[TestCase]) -> tuple[list[PyType], PyType]:
        return ([unify_all([infer_type(c.args[i]) for c in subset]) for i in range(arity)],
                unify_all([infer_type(c.expected) for c in subset]))

    params, ret = infer(cases)
    if len(cases) >= 4 and any(_has_union(t) for t in (*params, ret)):
        for k in range(len(cases)):
            p2, r2 = infer(cases[:k] + cases[k + 1:])
            if not any(_has_union(t) for t in (*p2, r2)):
                return p2, r2
    return params, ret


def _offsets(source: str) -> list[int]:
    starts, pos = [], 0
    for line in source.splitlines(keepends=True):
        starts.append(pos)
        pos += len(line)
    starts.append(pos)
    return starts


def _header_close(source: str, fn: ast.FunctionDef, starts: list[int]) -> int:
    """Offset just after the `)` closing the parameter list of `fn`."""
    begin = starts[fn.lineno - 1] + fn.col_offset
    depth = 0
    for tok in tokenize.generate_tokens(io.StringIO(source[begin:]).readline):
        if tok.type == tokenize.OP and tok.string == "(":
            depth += 1
        elif tok.type == tokenize.OP and tok.string == ")":
            depth -= 1
            if depth == 0:
                line, col = tok.end   # relative to `begin` on the first line
                return begin + col if line == 1 else starts[fn.lineno - 2 + line] + col
    raise Untranslatable("prompt does not parse")


def _names_in(annotation: str) -> set[str]:
    """The `typing` names an annotation's source uses (for `from typing import ...`)."""
    return {n.id for n in ast.walk(ast.parse(annotation, mode="eval")) if isinstance(n, ast.Name)
            and n.id in ("Any", "Dict", "List", "Optional", "Tuple", "Union")}


def _declared_type(text: str) -> PyType:
    try:
        parsed = parse_annotation(ast.parse(text, mode="eval").body)
    except SyntaxError as e:
        raise Untranslatable("unknown type", text) from e
    if parsed is None:
        raise Untranslatable("unknown type", text)
    return parsed


def annotate_prompt(prompt: str, entry_point: str, tests: tuple[str, ...] | list[str],
                    declared: Mapping[str, str] | None = None) -> str:
    """Return `prompt` with the entry point's missing/incomplete annotations inferred from tests.

    `declared` (parameter name, or "return", -> annotation source) is written as given, over
    whatever the prompt or the test values say: a declared type wins over an inferred one."""
    declared = declared or {}
    try:
        module = ast.parse(prompt)
    except SyntaxError:
        return prompt
    fns = [n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == entry_point]
    if not fns:
        return prompt
    fn = fns[0]
    cases = [c for c in _cases(tests, entry_point) if len(c.args) == len(fn.args.args)]
    starts = _offsets(prompt)
    edits: list[tuple[int, int, str]] = []   # (start, end, text)
    needed: set[str] = set()

    def span(node: ast.AST) -> tuple[int, int]:
        return (starts[node.lineno - 1] + node.col_offset, starts[node.end_lineno - 1] + node.end_col_offset)

    observed_params, observed_return = _observed(cases, len(fn.args.args))
    for i, arg in enumerate(fn.args.args):
        new = _declared_type(declared[arg.arg]) if arg.arg in declared else _new_type(arg.annotation, observed_params[i])
        if new is None:
            continue
        text = declared.get(arg.arg) or annotation_text(new)
        needed |= _names_in(text)
        if arg.annotation is None:
            end = span(arg)[1]
            edits.append((end, end, f": {text}"))
        else:
            edits.append((*span(arg.annotation), text))
    new = _declared_type(declared["return"]) if "return" in declared else _new_type(fn.returns, observed_return)
    if new is not None:
        text = declared.get("return") or annotation_text(new)
        needed |= _names_in(text)
        if fn.returns is None:
            close = _header_close(prompt, fn, starts)
            edits.append((close, close, f" -> {text}"))
        else:
            edits.append((*span(fn.returns), text))
    for start, end, text in sorted(edits, reverse=True):
        prompt = prompt[:start] + text + prompt[end:]
    imported = {a.asname or a.name for n in module.body if isinstance(n, ast.ImportFrom)
                and n.module == "typing" for a in n.names}
    missing = sorted(needed - imported)
    return (f"from typing import {', '.join(missing)}\n\n" if missing else "") + prompt
