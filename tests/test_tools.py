"""External tools run through subprocess-tee: output returned, logged in full, time-limited."""
from __future__ import annotations

import sys

from mplt.tools import first_line, run_tool, tool_log


def test_output_is_returned_and_logged_in_full(tmp_path, capsys):
    log = tmp_path / "logs" / "tools.log"
    program = "import sys; print('line one'); print('line two'); print('to stderr', file=sys.stderr)"
    with tool_log(log):
        result = run_tool([sys.executable, "-c", program])
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["line one", "line two"]
    assert result.stderr.strip() == "to stderr"
    text = log.read_text()
    assert "(exit 0)" in text and "line two" in text and "to stderr" in text
    captured = capsys.readouterr()
    assert "line one" not in captured.out + captured.err      # nothing echoed to the screen


def test_a_hung_tool_is_stopped_and_a_missing_one_is_none(tmp_path):
    with tool_log(tmp_path / "tools.log"):
        assert run_tool([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1) is None
        assert run_tool([str(tmp_path / "no-such-tool")]) is None
    assert first_line([str(tmp_path / "no-such-tool")]).startswith("unknown")
    assert first_line([sys.executable, "--version"]).startswith("Python 3")


def test_failing_tools_keep_their_exit_code(tmp_path):
    result = run_tool([sys.executable, "-c", "raise SystemExit(3)"])
    assert result is not None and result.returncode == 3
