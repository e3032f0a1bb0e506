"""Fixtures for the report and check tests; the fabricated run itself is built in run_fixture.py
(FIXTURE DATA, NOT RESULTS)."""
from __future__ import annotations

from pathlib import Path

import pytest

from run_fixture import build_run


@pytest.fixture
def fabricated_run(tmp_path) -> Path:
    return build_run(tmp_path / "run")
