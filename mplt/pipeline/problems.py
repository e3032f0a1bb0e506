"""Python "originals" for translation (docs/method.md, section 3.1), built from a validated function.

* prompt: `from typing import ...`, the signature with the annotations inferred from the tests
  (`types.py`) and the original docstring lines; no body. Functions without inferred types get
  an unannotated signature (fine for Lua, Racket and R; OCaml and Julia skip them).
  Default values are dropped: MultiPL-E signatures have none, and a test passing fewer
  arguments is dropped by the translator ("argument count mismatch").
* tests: the passing assertions with the entry point renamed to `candidate` (an AST rename, not
  the original's string replacement).
* canonical_solution: the body after the docstring, for the `## Canonical Python Solution ##`
  comment block (`add_canonical=True`).
"""
from __future__ import annotations

import ast

from mplt.pipeline.assertions import rename_to_candidate
from mplt.pipeline.extract import split_prompt_and_body
from mplt.translation import PythonProblem

_TYPING = ("Dict", "List", "Optional", "Tuple")


def build_signature(source: str, types: dict | None) -> str:
    fn = ast.parse(source).body[0]
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    if not types:
        return f"def {fn.name}({', '.join(params)}):"
    annotated = ", ".join(f"{p}: {types['params'][p]}" for p in params)
    return f"def {fn.name}({annotated}) -> {types['return']}:"


def build_python_prompt(source: str, types: dict | None) -> str:
    """Signature (typed when possible) + the original docstring lines."""
    head, _ = split_prompt_and_body(source)
    fn = ast.parse(source).body[0]
    doc_start = fn.body[0].lineno  # the docstring's first line, 1-based
    doc_lines = head.splitlines(keepends=True)[doc_start - 1:]
    signature = build_signature(source, types)
    text = signature + "\n" + "".join(doc_lines)
    names = [n for n in _TYPING if types and f"{n}[" in signature]
    imports = f"from typing import {', '.join(names)}\n\n" if names else ""
    return imports + text


def build_python_problem(function: dict, typed: bool = True) -> PythonProblem:
    types = function.get("types") if typed else None
    _, body = split_prompt_and_body(function["source"])
    tests = tuple(rename_to_candidate(t, function["name"]) for t in function["tests"])
    return PythonProblem(name=function["id"], entry_point=function["name"],
                         prompt=build_python_prompt(function["source"], types), tests=tests,
                         canonical_solution=body)
