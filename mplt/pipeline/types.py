"""Type inference from passing tests (docs/method.md, sections 1f.6, 10.5): OCaml and Julia prompts need
annotated Python, and the original used `testright` for it.

Each positional argument and the expected value of every passing `assert f(args) == expected`
is read with `ast.literal_eval` and typed, then the types over all tests are unified, with the
translator's own value typing (`mplt.langs.types`: int with float gives float, None with T
gives Optional[T], containers unify element-wise, an empty container takes its element type from
the others). Stricter than the translator, which would build a Union: anything a typed signature
cannot state (sets, objects, conflicting types, tuples of different lengths, only empty containers,
only None, a parameter no test sets and without a literal default) is unresolvable: the function
then gets no types, with the reason, and is skipped for OCaml and Julia only.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from mplt.langs.types import UNKNOWN, PyType, Untranslatable, annotation_text, infer_type, unify


class Unresolvable(Exception):
    pass


@dataclass(frozen=True)
class InferredTypes:
    params: tuple[tuple[str, str], ...]
    returns: str

    def to_record(self) -> dict:
        return {"params": dict(self.params), "return": self.returns}


def type_of(value) -> PyType:
    try:
        return infer_type(value)
    except Untranslatable as e:
        raise Unresolvable(f"values of type {e.detail}") from None


def render(t: PyType) -> str:
    """The annotation text of a type a typed signature can state; raises Unresolvable otherwise."""
    _check_statable(t)
    return annotation_text(t)


def _check_statable(t: PyType) -> None:
    if t.kind == "unknown":
        raise Unresolvable("only empty containers")
    if t.kind == "none":
        raise Unresolvable("only None")
    if t.kind == "tuple" and not t.args:
        raise Unresolvable("empty tuple")
    if t.kind == "union":
        raise Unresolvable(f"conflicting types {' and '.join(annotation_text(a) for a in t.args)}")
    if t.kind == "vartuple":
        raise Unresolvable("conflicting types: tuples of different lengths")
    for arg in t.args:
        _check_statable(arg)


def infer_types(source: str, name: str, tests: list[str]) -> InferredTypes:
    """Types of the positional parameters and of the return value; raises Unresolvable."""
    fn = ast.parse(source).body[0]
    args = fn.args
    if args.vararg or args.kwarg or args.kwonlyargs:
        raise Unresolvable("*args, **kwargs or keyword-only parameters")
    params = [a.arg for a in args.posonlyargs + args.args]
    seen: list[PyType] = [UNKNOWN] * len(params)
    returns = UNKNOWN
    for test in tests:
        call, expected = _split(test, name)
        if len(call.args) > len(params) or any(isinstance(a, ast.Starred) for a in call.args):
            raise Unresolvable("a test passes more arguments than parameters")
        for i, arg in enumerate(call.args):
            seen[i] = unify(seen[i], type_of(_literal(arg)))
        returns = unify(returns, type_of(_literal(expected)))
    defaults = [None] * (len(params) - len(args.defaults)) + list(args.defaults)
    for i, default in enumerate(defaults):
        if default is not None:
            seen[i] = unify(seen[i], type_of(_literal(default)))
    rendered = []
    for param, t in zip(params, seen):
        try:
            rendered.append((param, render(t)))
        except Unresolvable as e:
            raise Unresolvable(f"parameter {param}: {e}") from None
    try:
        return InferredTypes(tuple(rendered), render(returns))
    except Unresolvable as e:
        raise Unresolvable(f"return value: {e}") from None


def _split(test: str, name: str) -> tuple[ast.Call, ast.expr]:
    node = ast.parse(test).body[0]
    return node.test.left, node.test.comparators[0]


def _literal(node: ast.expr):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise Unresolvable(f"not a literal: {ast.unparse(node)[:40]}") from None
