"""Languages as tests parametrize over them: read from the registry (mplt.langs), so that a new
language module is tested without editing the lists (docs/languages.md, section 3)."""
from __future__ import annotations

import pytest

from mplt.langs import languages, target_languages


def language_params(names, quick=None) -> list:
    """pytest parameters for `names`; Julia's carry the `julia` marker, which skips them where its
    toolchain is missing (tests/conftest.py). With `quick`, the languages not in it are also marked
    `slow`: the fast subset (`make test-fast`) keeps those as its representatives, `make test` runs all."""
    params = []
    for name in names:
        marks = [pytest.mark.julia] if name == "jl" else []
        if quick is not None and name not in quick:
            marks.append(pytest.mark.slow)
        params.append(pytest.param(name, marks=marks))
    return params


# Every registered language, the source language first (the registry's order).
ALL = tuple(languages())
# Every translation target, the paper's five first.
TARGETS = target_languages()
