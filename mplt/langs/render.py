"""Rendering helpers shared by the language modules: type resolution of one value, string
escaping and the rendered test case they all consume. Numbers use Python's repr, as MultiPL-E
does (docs/conventions.md, section 3)."""
from __future__ import annotations

from dataclasses import dataclass

from mplt.langs.types import FLOAT, NONE, PyType, Untranslatable, conforms, infer_type, member_for, refine


def resolve(value: object, ty: PyType | None) -> PyType:
    """The concrete type to render `value` with, given the declared type of its position.

    Optional and Union positions resolve to the member the value belongs to; Any/unknown positions
    take the value's own type; an int in a float position resolves to float (the renderer then
    writes `2.0`: the int->float coercion MultiPL-E lacks for Julia and OCaml)."""
    if ty is None or ty.kind in ("any", "unknown"):
        return infer_type(value)
    if ty.kind == "optional":
        return NONE if value is None else resolve(value, ty.args[0])
    if ty.kind == "union":
        return resolve(value, member_for(value, ty))
    if not conforms(value, ty):
        raise Untranslatable("value does not match type", f"{value!r} : {ty}")
    return refine(ty, infer_type(value)) if ty.kind in ("list", "dict", "vartuple") else ty


def number_text(value: object, ty: PyType, *, coerce: bool = True) -> str:
    """Python repr; with `coerce`, ints in float positions are written as floats (`2` -> `2.0`).

    Only targets whose type system needs it coerce (OCaml, Julia, as MultiPL-E does): Lua 5.4 and
    Racket keep Python's int/float distinction at run time, so `2` must stay `2` there (docs/deviations.md, item 8;
    HumanEval_92 `any_int` tells `2` from `2.0`)."""
    if ty == FLOAT and coerce:
        return repr(float(value))
    return repr(value)


def target_value(value: object, ty: PyType | None, *, coerce: bool, result: bool = False) -> object:
    """The Python value a target sees for `value` in a position of declared type `ty`: what the
    reference solution is run on (mplt/translation/guard.py) and what is rendered.

    `coerce`: ints in float positions become floats (OCaml, Julia). `result`: integral floats in
    int positions of the expected value become ints, so a declared `List[int]` result is tested
    with ints although Python's tests write `2.0` (HumanEval_130 `tri`); Python's `2 == 2.0`
    makes the two equal for the reference check."""
    if ty is None or ty.kind in ("any", "unknown"):
        return value
    kind = ty.kind
    if kind == "optional":
        return None if value is None else target_value(value, ty.args[0], coerce=coerce, result=result)
    if kind == "union":
        if not conforms(value, ty) and result:
            for member in ty.args:
                converted = target_value(value, member, coerce=coerce, result=result)
                if conforms(converted, member):
                    return converted
            return value
        return target_value(value, member_for(value, ty), coerce=coerce, result=result) if conforms(value, ty) else value
    if kind == "float" and coerce and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind == "int" and result and isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if kind == "list" and isinstance(value, list):
        return [target_value(v, ty.args[0], coerce=coerce, result=result) for v in value]
    if kind == "vartuple" and isinstance(value, (tuple, list)):
        return type(value)(target_value(v, ty.args[0], coerce=coerce, result=result) for v in value)
    if kind == "tuple" and isinstance(value, (tuple, list)) and len(value) == len(ty.args):
        return type(value)(target_value(v, t, coerce=coerce, result=result) for v, t in zip(value, ty.args))
    if kind == "dict" and isinstance(value, dict):
        return {target_value(k, ty.args[0], coerce=coerce, result=result):
                target_value(v, ty.args[1], coerce=coerce, result=result) for k, v in value.items()}
    return value


def element_types(value: object, t: PyType) -> list[PyType]:
    """Declared type of each element of a list/tuple value of resolved type t."""
    if t.kind == "tuple":
        return list(t.args)
    return [t.args[0]] * len(value)


def escape_string(s: str, quote: str, *, dollar: bool = False, unicode_escape: str = "\\u{%x}",
                  control_escape: str = "\\x%02x") -> str:
    """A double- or single-quoted literal with backslash escapes; printable non-ASCII is kept raw."""
    out = [quote]
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append("\\" + quote)
        elif ch == "$" and dollar:
            out.append("\\$")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(control_escape % ord(ch))
        elif not ch.isprintable():
            out.append(unicode_escape % ord(ch))
        else:
            out.append(ch)
    out.append(quote)
    return "".join(out)


def python_quote(s: str) -> str:
    """Python repr's choice of quote: single unless the string has ' and no "."""
    return '"' if "'" in s and '"' not in s else "'"


@dataclass(frozen=True)
class RenderedCase:
    """One translated assertion: the rendered arguments, call and expected value."""
    source: str
    args: tuple[str, ...]
    call: str
    expected: str
    tolerance: float | None
    value: object          # the expected value as converted for the target (R renders empty results specially)
    arg_values: tuple = ()  # the arguments as converted for the target (what the reference ran on)
