"""Python type annotations as data: parse them, infer them from test values, unify them.

The grammar is MultiPL-E's (docs/conventions.md, section 1.5): `int float bool str`, `List[T]`,
`Tuple[A, B, ...]`, `Dict[K, V]`, `Optional[T]`, `Union[...]`, `Any`, plus the builtin spellings
`list[T]`, `tuple`, `dict` and `Tuple[T, ...]` (variadic). Bare `list`/`tuple`/`dict` parse with an
unknown element type (`UNKNOWN`) that `refine` fills in from the test values.

Type inference from values follows MultiPL-E's `mbpp_type_annotate.py` (int+float unify to float,
None makes Optional, otherwise Union) except that tuples keep one type per position.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass


class Untranslatable(Exception):
    """A prompt, test or value that cannot be expressed in a target; `reason` is a stable key."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason if not detail else f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class PyType:
    kind: str                          # int float bool str none any unknown list tuple vartuple dict optional union
    args: tuple["PyType", ...] = ()

    def __str__(self) -> str:
        return annotation_text(self)


INT, FLOAT, BOOL, STR = PyType("int"), PyType("float"), PyType("bool"), PyType("str")
NONE, ANY, UNKNOWN = PyType("none"), PyType("any"), PyType("unknown")
_SCALARS = {"int": INT, "float": FLOAT, "bool": BOOL, "str": STR, "None": NONE, "Any": ANY}
_CONTAINERS = {"List": "list", "list": "list", "Tuple": "tuple", "tuple": "tuple", "Dict": "dict",
               "dict": "dict", "Optional": "optional", "Union": "union"}


def List(t: PyType) -> PyType:  # noqa: N802 - mirrors typing.List
    return PyType("list", (t,))


def Optional(t: PyType) -> PyType:  # noqa: N802
    return t if t.kind in ("optional", "none", "any") else PyType("optional", (t,))


def parse_annotation(node: ast.expr | None) -> PyType | None:
    """An annotation AST -> PyType; None when absent. Raises Untranslatable for unknown forms."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and node.value is None:
        return NONE
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return parse_annotation(ast.parse(node.value, mode="eval").body)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "typing":
        return parse_annotation(ast.Name(id=node.attr))
    if isinstance(node, ast.Name):
        if node.id in _SCALARS:
            return _SCALARS[node.id]
        if node.id in ("list", "List"):
            return List(UNKNOWN)
        if node.id in ("tuple", "Tuple"):
            return PyType("vartuple", (UNKNOWN,))
        if node.id in ("dict", "Dict"):
            return PyType("dict", (UNKNOWN, UNKNOWN))
        raise Untranslatable("unknown type", node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # PEP 604 `int | None`
        return _union([parse_annotation(node.left), parse_annotation(node.right)])
    if isinstance(node, ast.Subscript):
        head = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", None)
        kind = _CONTAINERS.get(head or "")
        if kind is None:
            raise Untranslatable("unknown type", ast.unparse(node))
        items = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if kind == "tuple" and len(items) == 2 and isinstance(items[1], ast.Constant) \
                and items[1].value is Ellipsis:
            return PyType("vartuple", (parse_annotation(items[0]),))
        if any(isinstance(i, ast.Constant) and i.value is Ellipsis for i in items):
            raise Untranslatable("unknown type", ast.unparse(node))
        args = [parse_annotation(i) for i in items]
        if kind == "optional":
            return Optional(args[0])
        if kind == "union":
            return _union(args)
        if kind == "list" and len(args) == 1:
            return List(args[0])
        if kind == "dict" and len(args) == 2:
            return PyType("dict", tuple(args))
        if kind == "tuple":
            return PyType("tuple", tuple(args))
        raise Untranslatable("unknown type", ast.unparse(node))
    raise Untranslatable("unknown type", ast.unparse(node))


def _union(members: list[PyType]) -> PyType:
    flat: list[PyType] = []
    for m in members:
        for x in (m.args if m.kind == "union" else (m,)):
            if x not in flat:
                flat.append(x)
    if NONE in flat and len(flat) > 1:
        rest = [x for x in flat if x != NONE]
        return Optional(rest[0] if len(rest) == 1 else PyType("union", tuple(rest)))
    return flat[0] if len(flat) == 1 else PyType("union", tuple(flat))


def infer_type(value: object) -> PyType:
    """The type of one Python test value (bool before int: bool is an int subclass)."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STR
    if isinstance(value, list):
        return List(unify_all([infer_type(v) for v in value]))
    if isinstance(value, tuple):
        return PyType("tuple", tuple(infer_type(v) for v in value))
    if isinstance(value, dict):
        return PyType("dict", (unify_all([infer_type(k) for k in value]),
                               unify_all([infer_type(v) for v in value.values()])))
    raise Untranslatable("unsupported value", type(value).__name__)


def unify_all(types: list[PyType]) -> PyType:
    out = UNKNOWN
    for t in types:
        out = unify(out, t)
    return out


def unify(a: PyType, b: PyType) -> PyType:
    """The least type holding both (int+float -> float; X+None -> Optional[X]; else Union)."""
    if a == b or b.kind == "unknown":
        return a
    if a.kind == "unknown":
        return b
    if "any" in (a.kind, b.kind):
        return ANY
    if {a.kind, b.kind} == {"int", "float"}:
        return FLOAT
    if a.kind == "none":
        return Optional(b)
    if b.kind == "none":
        return Optional(a)
    if a.kind == "optional" or b.kind == "optional":
        inner = unify(a.args[0] if a.kind == "optional" else a, b.args[0] if b.kind == "optional" else b)
        return Optional(inner)
    if a.kind == b.kind and a.kind in ("list", "dict", "vartuple"):
        return PyType(a.kind, tuple(unify(x, y) for x, y in zip(a.args, b.args)))
    if a.kind == b.kind == "tuple":
        if len(a.args) == len(b.args):
            return PyType("tuple", tuple(unify(x, y) for x, y in zip(a.args, b.args)))
        return PyType("vartuple", (unify_all([*a.args, *b.args]),))
    if {a.kind, b.kind} == {"tuple", "vartuple"}:
        var, fixed = (a, b) if a.kind == "vartuple" else (b, a)
        return PyType("vartuple", (unify_all([var.args[0], *fixed.args]),))
    return _union([a, b])


def refine(declared: PyType | None, observed: PyType) -> PyType:
    """Fill the unknown parts of a declared annotation (`list` -> `List[int]`) from observed values."""
    if declared is None or declared.kind == "unknown":
        return observed
    if declared.kind == observed.kind and len(declared.args) == len(observed.args):
        return PyType(declared.kind, tuple(refine(d, o) for d, o in zip(declared.args, observed.args)))
    if declared.kind == "vartuple" and observed.kind == "tuple":
        return PyType("vartuple", (refine(declared.args[0], unify_all(list(observed.args))),))
    if declared.kind == "optional" and observed.kind != "none":
        return Optional(refine(declared.args[0], observed.args[0] if observed.kind == "optional" else observed))
    return declared


def is_complete(t: PyType) -> bool:
    return t.kind != "unknown" and all(is_complete(a) for a in t.args)


def complete(t: PyType) -> PyType:
    """Unknown parts (an element type seen only in empty lists) become Any."""
    if t.kind == "unknown":
        return ANY
    return PyType(t.kind, tuple(complete(a) for a in t.args))


def annotation_text(t: PyType) -> str:
    """PyType -> Python annotation source, e.g. `List[Tuple[int, str]]`."""
    simple = {"int": "int", "float": "float", "bool": "bool", "str": "str", "none": "None",
              "any": "Any", "unknown": "Any"}
    if t.kind in simple:
        return simple[t.kind]
    inner = ", ".join(annotation_text(a) for a in t.args)
    if t.kind == "tuple" and not t.args:
        return "Tuple[()]"
    if t.kind == "vartuple":
        return f"Tuple[{inner}, ...]"
    head = {"list": "List", "tuple": "Tuple", "dict": "Dict", "optional": "Optional", "union": "Union"}
    return f"{head[t.kind]}[{inner}]"


def typing_names(t: PyType) -> set[str]:
    """The `typing` names an annotation needs (for `from typing import ...`)."""
    names = {"list": "List", "tuple": "Tuple", "vartuple": "Tuple", "dict": "Dict",
             "optional": "Optional", "union": "Union", "any": "Any", "unknown": "Any"}
    out = {names[t.kind]} if t.kind in names else set()
    for a in t.args:
        out |= typing_names(a)
    return out


def conforms(value: object, t: PyType) -> bool:
    """Whether a Python value fits a type (ints fit float positions, as in Python)."""
    k = t.kind
    if k in ("any", "unknown"):
        return True
    if k == "none":
        return value is None
    if k == "optional":
        return value is None or conforms(value, t.args[0])
    if k == "union":
        return any(conforms(value, a) for a in t.args)
    if k == "bool":
        return isinstance(value, bool)
    if k == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if k == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if k == "str":
        return isinstance(value, str)
    if k == "list":
        return isinstance(value, list) and all(conforms(v, t.args[0]) for v in value)
    if k == "vartuple":
        return isinstance(value, (tuple, list)) and all(conforms(v, t.args[0]) for v in value)
    if k == "tuple":
        return isinstance(value, (tuple, list)) and len(value) == len(t.args) and all(
            conforms(v, a) for v, a in zip(value, t.args))
    if k == "dict":
        return isinstance(value, dict) and all(conforms(a, t.args[0]) and conforms(b, t.args[1])
                                               for a, b in value.items())
    return False


def member_for(value: object, t: PyType) -> PyType:
    """The Union member a value belongs to (exact kind first, so 1 picks int over float)."""
    exact = [m for m in t.args if m == infer_type(value)]
    if exact:
        return exact[0]
    for m in t.args:
        if conforms(value, m):
            return m
    raise Untranslatable("value does not match type", f"{value!r} : {annotation_text(t)}")
