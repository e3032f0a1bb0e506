"""Stage-1 function extraction and per-function checks (docs/method.md, sections 1a-1c, 1e, 1f.1/3/4), with
`ast` instead of tree-sitter and a scope analysis (`symtable`) instead of running pyright.

Pyright's role in the original (1e) is to keep self-contained functions: every name is a
parameter, a local, a builtin, or a module imported inside the body. `is_self_contained`
checks exactly that, and additionally requires those imports to be standard-library modules
(`sys.stdlib_module_names`), since the sandbox has nothing else.
"""
from __future__ import annotations

import ast
import builtins
import re
import symtable
import sys
from dataclasses import dataclass

# Module attributes every script has; a function may read them without being "non-local".
_MODULE_DUNDERS = frozenset({"__name__", "__doc__", "__file__", "__builtins__", "__spec__",
                             "__loader__", "__package__"})
_BUILTINS = frozenset(dir(builtins))
# 1b: the docstring's start and end delimiters are both `"""` (an r/u prefix is allowed).
_TRIPLE_DOUBLE = re.compile(r'^[rRuU]?"""[\s\S]*"""$')
# 1f.4: "trivial" = body is docstring + one `return` whose subtree is small. The original counts
# tree-sitter nodes (< 9); we count `ast` nodes without expression contexts (Load/Store), which
# gives nearly the same sizes: `return x + y` = 5 nodes (tree-sitter 6), `return a * b + c` = 8.
TRIVIAL_MAX_NODES = 9


@dataclass(frozen=True)
class Function:
    name: str
    source: str
    docstring: str
    origin: str
    node: ast.FunctionDef


def extract_functions(text: str, origin: str) -> list[Function] | None:
    """Top-level `def`s of a module (1a: nested functions and methods are excluded).
    Returns None when the module does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = text.splitlines(keepends=True)
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.col_offset != 0:
            continue
        start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        source = "".join(lines[start - 1:node.end_lineno]).rstrip() + "\n"
        found.append(Function(node.name, source, ast.get_docstring(node, clean=True) or "",
                              f"{origin}:{node.lineno}", node))
    return found


def has_triple_quoted_docstring(fn: Function) -> bool:
    """1b: the first body statement is a string delimited by `\"\"\"` on both ends."""
    first = fn.node.body[0]
    if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        return False
    text = ast.get_source_segment(fn.source, _shift(first, fn)) or ""
    return bool(_TRIPLE_DOUBLE.match(text.strip()))


def _shift(node: ast.AST, fn: Function) -> ast.AST:
    """`node` with line numbers relative to `fn.source` (it was parsed within its file)."""
    offset = (fn.node.decorator_list[0].lineno if fn.node.decorator_list else fn.node.lineno) - 1
    copy = ast.Expr(value=None, lineno=node.lineno - offset, col_offset=node.col_offset,
                    end_lineno=node.end_lineno - offset, end_col_offset=node.end_col_offset)
    return copy


def has_return_value(fn: Function) -> bool:
    """1c: at least one `return <expr>` (a bare `return` does not count)."""
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(fn.node))


def non_local_names(source: str, name: str) -> list[str]:
    """Names the function reads from outside itself that are not builtins, plus imports of
    non-stdlib or relative modules. Empty list = self-contained."""
    try:
        table = symtable.symtable(source, "<function>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return ["<unparsable>"]
    bad = []
    # Module scope: default values, annotations and decorators are evaluated here.
    for sym in table.get_symbols():
        if sym.get_name() != name and sym.is_referenced() and sym.get_name() not in _BUILTINS:
            bad.append(sym.get_name())
    stack = list(table.get_children())
    while stack:
        scope = stack.pop()
        stack.extend(scope.get_children())
        for sym in scope.get_symbols():
            ident = sym.get_name()
            if sym.is_declared_global():
                bad.append(f"global {ident}")
            elif sym.is_global() and ident != name and ident not in _BUILTINS \
                    and ident not in _MODULE_DUNDERS:
                bad.append(ident)
    bad.extend(f"import {m}" for m in _non_stdlib_imports(source))
    return sorted(set(bad))


def _non_stdlib_imports(source: str) -> list[str]:
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            bad += [a.name for a in node.names if a.name.split(".")[0] not in sys.stdlib_module_names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level or module.split(".")[0] not in sys.stdlib_module_names:
                bad.append("." * node.level + module)
    return bad


def count_nodes(node: ast.AST) -> int:
    return sum(1 for n in ast.walk(node) if not isinstance(n, ast.expr_context))


def is_trivial(fn: Function, max_nodes: int = TRIVIAL_MAX_NODES) -> bool:
    """1f.4: the body is the docstring and one small `return`."""
    body = fn.node.body
    return (len(body) == 2 and isinstance(body[1], ast.Return)
            and count_nodes(body[1]) < max_nodes)


def split_prompt_and_body(source: str) -> tuple[str, str]:
    """(signature + docstring, body after the docstring), by the AST rather than by counting
    `\"\"\"` as the original does (docs/method.md, section 3.1; that breaks on a docstring that quotes one)."""
    tree = ast.parse(source)
    fn = tree.body[0]
    lines = source.splitlines(keepends=True)
    doc_end = fn.body[0].end_lineno
    return "".join(lines[:doc_end]), "".join(lines[doc_end:])
