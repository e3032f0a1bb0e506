"""The Python side of translation, with `ast` only: the prompt's one function and the tests.

Prompt rules (docs/conventions.md, section 0.4): exactly one function whose body is a docstring (and
optionally `pass`/`...`); imports are ignored; a second `def` (a helper) makes the problem
untranslatable. Parameters must be positional.

Test rules (2): `assert candidate(args) == <literal>`; the call may also name the entry point
instead of `candidate`. Literals: constants, unary +/- on numbers, lists, tuples, dicts, and
arithmetic between numbers (folded; a deviation, see docs/deviations.md). Also accepted, because
OpenAI's HumanEval `check` functions use them where MultiPL-E's cleaned sources have `==`:
`assert f(x)` (== True), `assert not f(x)` (== False), `assert f(x) is True/False/None`,
`assert tuple(f(x)) == tuple(<list>)`, and `assert abs(f(x) - <number>) < eps` (kept with a tolerance).
"""
from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass

from mplt.langs.types import PyType, Untranslatable, parse_annotation


@dataclass(frozen=True)
class Signature:
    name: str
    params: tuple[tuple[str, PyType | None], ...]
    returns: PyType | None
    docstring: str


@dataclass(frozen=True)
class TestCase:
    """One translatable assertion: candidate(*args) == expected (within `tolerance` if set)."""
    args: tuple
    expected: object
    tolerance: float | None = None
    source: str = ""


def parse_prompt(prompt: str) -> Signature:
    # A body that is only a docstring is valid Python, so no `pass` is needed (MultiPL-E adds one).
    try:
        module = ast.parse(prompt)
    except SyntaxError as e:
        raise Untranslatable("prompt does not parse", str(e)) from e
    functions = [n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    # Imports and constant definitions (HumanEval_64's `FIX = """..."""`) are ignored.
    others = [n for n in module.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                          ast.Import, ast.ImportFrom, ast.Assign,
                                                          ast.Expr))]
    if len(functions) != 1 or isinstance(functions[0], ast.AsyncFunctionDef):
        raise Untranslatable("helper function in prompt" if len(functions) > 1 else "no function in prompt")
    if others:
        raise Untranslatable("statements outside the function in prompt")
    fn = functions[0]
    if any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in ast.walk(fn)
           if n is not fn):
        raise Untranslatable("helper function in prompt")
    a = fn.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or a.defaults:
        raise Untranslatable("non-positional parameters")
    params = tuple((arg.arg, parse_annotation(arg.annotation)) for arg in a.args)
    return Signature(fn.name, params, parse_annotation(fn.returns), _docstring(fn))


def _docstring(fn: ast.FunctionDef) -> str:
    """The function's docstring, also when imports precede it (HumanEval_115 starts its body with
    `import math`, so Python itself sees no docstring there and `ast.get_docstring` returns None)."""
    for stmt in fn.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            return stmt.value.value
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
            break
    return ""


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}


def literal_value(node: ast.expr) -> object:
    """A literal expression -> the Python value; anything else raises Untranslatable."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (bool, int, float, str)) or node.value is None:
            if isinstance(node.value, float) and not math.isfinite(node.value):
                raise Untranslatable("non-finite float")
            return node.value
        raise Untranslatable("unsupported constant", type(node.value).__name__)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = literal_value(node.operand)
        if isinstance(inner, bool) or not isinstance(inner, (int, float)):
            raise Untranslatable("unsupported expression", ast.unparse(node))
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = literal_value(node.left), literal_value(node.right)
        if isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str):
            return left + right
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (left, right)):
            raise Untranslatable("unsupported expression", ast.unparse(node))
        try:
            return _BINOPS[type(node.op)](left, right)
        except (ArithmeticError, ValueError) as e:
            raise Untranslatable("unsupported expression", ast.unparse(node)) from e
    if isinstance(node, ast.List):
        return [literal_value(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(literal_value(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise Untranslatable("unsupported expression", "dict unpacking")
        keys = [literal_value(k) for k in node.keys]
        if any(isinstance(k, (list, dict)) for k in keys):
            raise Untranslatable("unsupported expression", "unhashable dict key")
        return dict(zip(keys, (literal_value(v) for v in node.values)))
    if isinstance(node, ast.Set):
        raise Untranslatable("set literal")
    raise Untranslatable("unsupported expression", type(node).__name__)


def _call_args(node: ast.expr, names: tuple[str, ...]) -> tuple | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
        if node.keywords:
            raise Untranslatable("keyword arguments")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise Untranslatable("unsupported expression", "starred argument")
        return tuple(literal_value(a) for a in node.args)
    return None


def _unwrap_tuple_call(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tuple" \
            and len(node.args) == 1 and not node.keywords:
        return node.args[0]
    return node


def parse_test(statement: str | ast.stmt, entry_point: str) -> TestCase | None:
    """One test statement -> TestCase; None for statements to ignore (`assert True`, `print`, a
    docstring); raises Untranslatable with a reason for everything else."""
    if isinstance(statement, str):
        try:
            body = ast.parse(statement.strip()).body
        except SyntaxError as e:
            raise Untranslatable("test does not parse", str(e)) from e
        if len(body) != 1:
            raise Untranslatable("not a single statement")
        node = body[0]
        source = statement.strip()
    else:
        node, source = statement, ast.unparse(statement)
    if isinstance(node, ast.Expr) and (isinstance(node.value, ast.Constant) or (
            isinstance(node.value, ast.Name) and node.value.id == "print")):
        return None
    if isinstance(node, ast.Pass):
        return None
    if isinstance(node, (ast.For, ast.While)):
        raise Untranslatable("loop in tests")
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        raise Untranslatable("import in tests")
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        raise Untranslatable("assignment in tests")
    if not isinstance(node, ast.Assert):
        raise Untranslatable("not an assert")
    names = ("candidate", entry_point)
    test = node.test
    if isinstance(test, ast.Constant):
        if test.value:
            return None
        raise Untranslatable("not an equality assert")
    args = _call_args(test, names)
    if args is not None:
        return TestCase(args, True, None, source)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        args = _call_args(test.operand, names)
        if args is not None:
            return TestCase(args, False, None, source)
        raise Untranslatable("not an equality assert")
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, left, right = test.ops[0], test.left, test.comparators[0]
        if isinstance(op, ast.Eq):
            args = _call_args(_unwrap_tuple_call(left), names)
            if args is None:
                raise Untranslatable("left side is not a call of the function")
            right = _unwrap_tuple_call(right) if _unwrap_tuple_call(left) is not left else right
            return TestCase(args, literal_value(right), None, source)
        if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value in (True, False, None):
            args = _call_args(left, names)
            if args is not None:
                return TestCase(args, right.value, None, source)
        if isinstance(op, (ast.Lt, ast.LtE)):
            return _tolerance_test(left, right, names, source)
    raise Untranslatable("not an equality assert")


def _tolerance_test(left: ast.expr, right: ast.expr, names: tuple[str, ...], source: str) -> TestCase:
    """`abs(f(x) - v) < eps` -> TestCase(x, v, eps)."""
    if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == "abs" \
            and len(left.args) == 1 and isinstance(left.args[0], ast.BinOp) \
            and isinstance(left.args[0].op, ast.Sub):
        diff = left.args[0]
        args = _call_args(diff.left, names)
        if args is not None:
            expected = literal_value(diff.right)
            eps = literal_value(right)
            if isinstance(expected, (int, float)) and isinstance(eps, (int, float)) and eps > 0:
                return TestCase(args, float(expected), float(eps), source)
    raise Untranslatable("not an equality assert")
