"""Type inference from passing tests (method.md 1f.6, 10.5): OCaml and Julia prompts need
annotated Python, and the original used `testright` for it.

Each positional argument and the expected value of every passing `assert f(args) == expected`
is read with `ast.literal_eval` and typed: bool, int, float, str, None, List[T], Tuple[...],
Dict[K, V]. Types over all tests are joined: int with float gives float, None with T gives
Optional[T], containers join element-wise, an empty container takes its element type from the
others. Anything else (sets, objects, conflicting types, a parameter no test sets and without a
literal default) is unresolvable: the function then gets no types, with the reason, and is
skipped for OCaml and Julia only.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

# A type is a tuple tree: ("int",), ("List", elem), ("Tuple", e1, e2, ...), ("Dict", k, v),
# ("Optional", t), ("None",), and UNKNOWN for the element of an empty container.
UNKNOWN = ("?",)
_SCALARS = {bool: "bool", int: "int", float: "float", str: "str"}


class Unresolvable(Exception):
    pass


@dataclass(frozen=True)
class InferredTypes:
    params: tuple[tuple[str, str], ...]
    returns: str

    def to_record(self) -> dict:
        return {"params": dict(self.params), "return": self.returns}


def type_of(value) -> tuple:
    if value is None:
        return ("None",)
    if type(value) in _SCALARS:
        return (_SCALARS[type(value)],)
    if isinstance(value, list):
        return ("List", _join_all([type_of(v) for v in value]))
    if isinstance(value, tuple):
        return ("Tuple", *(type_of(v) for v in value)) if value else ("Tuple",)
    if isinstance(value, dict):
        return ("Dict", _join_all([type_of(k) for k in value]), _join_all([type_of(v) for v in value.values()]))
    raise Unresolvable(f"values of type {type(value).__name__}")


def _join_all(types: list[tuple]) -> tuple:
    result = UNKNOWN
    for t in types:
        result = join(result, t)
    return result


def join(a: tuple, b: tuple) -> tuple:
    if a == UNKNOWN:
        return b
    if b == UNKNOWN or a == b:
        return a
    if a == ("None",):
        return b if b[0] == "Optional" else ("Optional", b)
    if b == ("None",):
        return join(b, a)
    if a[0] == "Optional" or b[0] == "Optional":
        inner = join(a[1] if a[0] == "Optional" else a, b[1] if b[0] == "Optional" else b)
        return inner if inner[0] == "Optional" else ("Optional", inner)
    if {a[0], b[0]} == {"int", "float"}:
        return ("float",)
    if a[0] == b[0] and a[0] in ("List", "Dict"):
        return (a[0], *(join(x, y) for x, y in zip(a[1:], b[1:])))
    if a[0] == b[0] == "Tuple" and len(a) == len(b):
        return ("Tuple", *(join(x, y) for x, y in zip(a[1:], b[1:])))
    raise Unresolvable(f"conflicting types {render(a)} and {render(b)}")


def render(t: tuple) -> str:
    if t == UNKNOWN:
        raise Unresolvable("only empty containers")
    if t == ("None",):
        raise Unresolvable("only None")
    if len(t) == 1:
        return t[0]
    if t == ("Tuple",):
        raise Unresolvable("empty tuple")
    return f"{t[0]}[{', '.join(render(x) for x in t[1:])}]"


def infer_types(source: str, name: str, tests: list[str]) -> InferredTypes:
    """Types of the positional parameters and of the return value; raises Unresolvable."""
    fn = ast.parse(source).body[0]
    args = fn.args
    if args.vararg or args.kwarg or args.kwonlyargs:
        raise Unresolvable("*args, **kwargs or keyword-only parameters")
    params = [a.arg for a in args.posonlyargs + args.args]
    seen = [UNKNOWN] * len(params)
    returns = UNKNOWN
    for test in tests:
        call, expected = _split(test, name)
        if len(call.args) > len(params) or any(isinstance(a, ast.Starred) for a in call.args):
            raise Unresolvable("a test passes more arguments than parameters")
        for i, arg in enumerate(call.args):
            seen[i] = join(seen[i], type_of(_literal(arg)))
        returns = join(returns, type_of(_literal(expected)))
    defaults = [None] * (len(params) - len(args.defaults)) + list(args.defaults)
    for i, default in enumerate(defaults):
        if default is not None:
            seen[i] = join(seen[i], type_of(_literal(default)))
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


def typing_imports(types: InferredTypes) -> list[str]:
    text = " ".join([t for _, t in types.params] + [types.returns])
    return [n for n in ("Dict", "List", "Optional", "Tuple") if f"{n}[" in text]
