"""Test-generation prompts and assertion extraction (docs/method.md, sections 2.1, 2.3), with `ast`.

The model continues `assert name(`, so each completion is parsed with that prefix put back
(docs/method.md, section 10.3; the vLLM path of the original lost the first assertion). A completion is split
into chunks that start at a column-0 `assert`; a chunk that does not parse is shortened from the
end until it does (generated text is often cut mid-statement). An assertion is kept when it is
`assert name(args) == expected` with at least one positional argument and no keyword argument;
a message (`, "msg"`) is allowed. The verbatim text is kept, as in the original.
"""
from __future__ import annotations

import ast
from collections import Counter

HEADER = ("# Unit tests for {name}\n"
          "# These unit tests are strictly in the `assert {name}(...) == ...` format.\n"
          "# Additionally, these unit tests are not allowed to use keyword arguments.\n")
# Cut test-generation samples where the model leaves the test list (our choice: the original
# generated 400 tokens without stop sequences; these lose no assertion).
TESTGEN_STOP_TOKENS = ("\ndef ", "\nclass ", "\nif __name__", "\nprint(")


def build_testgen_prompt(source: str, name: str) -> str:
    """Function source, a blank line, the three-line header, then `assert name(` (docs/method.md, section 2.1)."""
    return source.rstrip("\n") + "\n\n" + HEADER.format(name=name) + f"assert {name}("


def completion_text(name: str, completion: str) -> str:
    return f"assert {name}(" + completion


def parse_assertions(text: str, name: str, rejected: Counter | None = None) -> list[str]:
    """The valid assertions in `text`, in order, verbatim. `rejected` counts why others were
    not kept: unparsable, keyword_arguments, no_arguments, not_equality, other_call."""
    rejected = rejected if rejected is not None else Counter()
    kept = []
    for chunk in _chunks(text):
        tree = _parse_prefix(chunk)
        if tree is None:
            rejected["unparsable"] += 1
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert):
                reason = _check(node, name)
                if reason:
                    rejected[reason] += 1
                else:
                    kept.append(ast.get_source_segment(chunk, node))
    return kept


def _chunks(text: str) -> list[str]:
    chunks: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("assert ") or line.startswith("assert(") or not chunks:
            chunks.append([line])
        else:
            chunks[-1].append(line)
    return ["\n".join(c) for c in chunks if c and c[0].startswith("assert")]


def _parse_prefix(chunk: str) -> ast.Module | None:
    lines = chunk.splitlines()
    while lines:
        try:
            return ast.parse("\n".join(lines))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            lines.pop()
    return None


def _check(node: ast.Assert, name: str) -> str:
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return "not_equality"
    call = test.left
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == name):
        return "other_call"
    if call.keywords:
        return "keyword_arguments"
    if not call.args:
        return "no_arguments"
    return ""


def pool_assertions(name: str, completions: list[str], rejected: Counter | None = None) -> list[str]:
    """Assertions of all samples, exact-text deduplicated, in first-seen order (docs/method.md, section 2.3)."""
    seen: dict[str, None] = {}
    for completion in completions:
        for assertion in parse_assertions(completion_text(name, completion), name, rejected):
            seen.setdefault(assertion.strip(), None)
    return list(seen)


def build_assertion_program(source: str, assertion: str) -> str:
    """`function_source + "\\n\\n" + single_assertion` (docs/method.md, section 2.4)."""
    return source.rstrip("\n") + "\n\n" + assertion + "\n"


def rename_to_candidate(assertion: str, name: str) -> str:
    """`assert candidate(...) == ...` for the translator: an AST rename (not the original's naive
    string replacement, which also rewrote string literals; docs/method.md, section 3.1). Drops the message."""
    node = ast.parse(assertion).body[0]
    for sub in ast.walk(node.test):
        if isinstance(sub, ast.Name) and sub.id == name:
            sub.id = "candidate"
    return ast.unparse(ast.Assert(test=node.test, msg=None))
