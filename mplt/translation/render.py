"""Rendering helpers shared by the language modules: type resolution of one value and string
escaping. Numbers use Python's repr, as MultiPL-E does (multiple-conventions.md 3)."""
from __future__ import annotations

from mplt.translation.types import (FLOAT, NONE, PyType, Untranslatable, conforms, infer_type,
                                    member_for, refine)


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


def number_text(value: object, ty: PyType) -> str:
    """Python repr, with ints in float positions written as floats (`2` -> `2.0`)."""
    if ty == FLOAT:
        return repr(float(value))
    return repr(value)


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
