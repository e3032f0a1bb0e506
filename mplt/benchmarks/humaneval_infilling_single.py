"""HumanEval single-line infilling (benchmark `humaneval-infilling-single`): Python, pass@1 by executing
prefix + middle + suffix + test in the sandbox (mplt.benchmarks.humaneval_infilling)."""
from __future__ import annotations

from mplt.benchmarks.humaneval_infilling import declare

BENCHMARK = declare("humaneval-infilling-single")
