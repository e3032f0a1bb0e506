"""scripts/remeasure_smoke.py writes expected_results/smoke.json only from runs that agree: same
weights, tokenizer and samples, equal figures (losses to a relative 1e-6). Finished stand-in runs."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "remeasure_smoke.py"


def fake_run(root: Path, name: str, *, sample: str = "x", loss: float = 4.1947044247198, passing: int = 46,
             python: str = "3.11.7", env: dict | None = None) -> Path:
    import torch
    from safetensors.torch import save_file
    run = root / name
    for sub in ("model", "testgen", "translate/lua", "evaluate/base/lua", "finetune/lua/adapter", "report"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    save_file({"w": torch.arange(4, dtype=torch.float64)}, run / "model" / "model.safetensors")
    (run / "model" / "tokenizer.json").write_text('{"model": "bpe"}')
    (run / "testgen" / "samples.jsonl").write_text('{"id": "f", "completions": ["1"]}\n')
    (run / "translate" / "lua" / "completions.jsonl").write_text(json.dumps({"completions": [sample]}) + "\n")
    (run / "evaluate" / "base" / "lua" / "completions.jsonl").write_text('{"completions": ["y"]}\n')
    save_file({"a": torch.full((3,), loss, dtype=torch.float64)}, run / "finetune" / "lua" / "adapter" / "adapter_model.safetensors")
    figures = {"funnel.lua.passing_programs": passing, "pass@1.base.lua": 1 / 3, "finetune.lua.final_loss": loss,
               "claim.loss_decreased": True, "duration.model": len(name)}
    (run / "report" / "results.json").write_text(json.dumps({"figures": figures}))
    (run / "report" / "check.json").write_text(json.dumps({"passed": True}))
    (run / "environment.json").write_text(json.dumps({"env": env or {}, "hardware": {"python": python}}))
    return run


def remeasure(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=REPO)


def test_runs_that_agree_write_the_expectations(tmp_path):
    a = fake_run(tmp_path, "a")
    b = fake_run(tmp_path, "b-longer-name", loss=4.1947044247198 * (1 + 1e-9), python="3.11.2",
                 env={"ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": "1"})
    out = remeasure("--runs", a, b, "--write", tmp_path / "smoke.json")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Python 3.11.2" in out.stdout and "adapters  ok     |d| 4.19e-09 (shown, not judged)" in out.stdout
    written = json.loads((tmp_path / "smoke.json").read_text())["figures"]
    assert written["funnel.lua.passing_programs"]["value"] == 46
    assert "Python 3.11.7" in written["funnel.lua.passing_programs"]["source"]
    assert "Python 3.11.2" in written["funnel.lua.passing_programs"]["source"]


# The first disagreement in the fast subset; the others, one subprocess each, in `make test` (slow).
@pytest.mark.parametrize("change, what", [({"sample": "z"}, "samples   DIFFER"),
                                          pytest.param({"passing": 45}, "funnel.lua.passing_programs 46 vs 45",
                                                       marks=pytest.mark.slow),
                                          pytest.param({"loss": 4.2}, "finetune.lua.final_loss", marks=pytest.mark.slow)])
def test_runs_that_disagree_write_nothing(tmp_path, change, what):
    out = remeasure("--runs", fake_run(tmp_path, "a"), fake_run(tmp_path, "b", **change),
                    "--write", tmp_path / "smoke.json")
    assert out.returncode == 1 and what in out.stdout
    assert out.stderr.strip() == "error: the runs disagree; expectations not written"
    assert not (tmp_path / "smoke.json").exists()


def test_bad_input_is_one_error_line(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("")
    for args in (["--runs", tmp_path], ["--out", tmp_path / "busy"], [],
                 ["--out", tmp_path / "new", "--python", tmp_path / "nope"]):
        out = remeasure(*args)
        assert out.returncode == 2 and out.stderr.startswith("error: ") and len(out.stderr.splitlines()) == 1, args
