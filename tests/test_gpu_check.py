"""bench/gpu_check.py: its verdicts from given measurements, its plan from the profile TOMLs, and the
whole check with `--tiny` on CPU (the vLLM part runs where vllm imports and says why it skipped
elsewhere). The real-size check runs only on a GPU (`gpu` marker)."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPT = BENCH / "gpu_check.py"


def _run(*args, timeout=900):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def gpu_check():
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_help():
    out = _run("--help", timeout=60)
    assert out.returncode == 0 and "--tiny" in out.stdout and "--skip-vllm" in out.stdout


def test_stated_hours(gpu_check):
    assert gpu_check.stated_hours("about 1.7 hours on one 24 GB GPU") == 1.7
    assert gpu_check.stated_hours("aim: about 2 hours on one 24 GB GPU") == 2
    assert gpu_check.stated_hours("about 2-3 hours") == 3
    assert gpu_check.stated_hours("many hours on one 24 GB GPU") is None


def test_verdicts_from_measurements(gpu_check):
    rows = [{"seconds": 3 * 3600}]
    fine = [{"name": "train qlora", "peak_gib": 10.0}]
    assert gpu_check.verdict(rows, fine, 2.5, 24.0, 1.5, True)[0] == "fits"
    assert gpu_check.verdict(rows, fine, 1.0, 24.0, 1.5, True)[0] == "too slow"
    assert gpu_check.verdict(rows, fine, None, 24.0, 1.5, True)[0] == "fits"        # no stated time
    big = [{"name": "train full", "peak_gib": 30.0}]
    assert gpu_check.verdict(rows, big, 5.0, 24.0, 1.5, True) == ("does not fit",
                                                                 "out of memory (24.0 GiB): train full")
    assert gpu_check.verdict(rows, [{"name": "hf", "oom": True, "error": "OutOfMemoryError"}], 5, None, 1.5, True)[0] \
        == "does not fit"
    wrong = [{"name": "vllm", "ok": False, "detail": "adapters differ: False"}]
    assert gpu_check.verdict(rows, wrong, 5.0, 24.0, 1.5, True) == ("failed", "vllm: adapters differ: False")


def test_plan_reads_each_gpu_profiles_settings(gpu_check, tmp_path):
    profiles = gpu_check.gpu_profiles(tmp_path)
    assert {"scaled", "paper-1b-eval", "paper-1b-finetune"} <= set(profiles)
    assert "smoke" not in profiles
    plans = gpu_check.plan(profiles, tiny=False)
    scaled = plans["scaled"]
    assert scaled["training"][0] == "qlora" and scaled["training"][1]["seq_len"] == 1024
    assert scaled["sampling"]["evaluate"] == gpu_check.measure.Workload(100, 20, 512, 0.2, 0.95)
    assert scaled["sampling"]["testgen"].max_new_tokens == 400 and scaled["four_bit_eval"]
    assert plans["paper-1b-eval"]["training"] is None and not plans["paper-1b-eval"]["four_bit_eval"]
    tiny = gpu_check.plan(profiles, tiny=True)["scaled"]
    assert tiny["training"][1]["seq_len"] == 64 and tiny["sampling"]["evaluate"].batch == 4
    # codegen2-infill: its stage's training and both benchmarks' workloads, read from its own table
    from mplt.run.profiles import stage_config
    lesson_plan = plans["codegen2-infill"]
    config = stage_config(profiles["codegen2-infill"], "infill-lesson")
    assert lesson_plan["training"][0] == config.preset and lesson_plan["four_bit_lesson"]
    assert lesson_plan["lesson"]["left_to_right"].n == config.sampling.n
    assert lesson_plan["lesson"]["infilling"].n == config.infill_sampling().n
    assert lesson_plan["lesson"]["infilling"].max_new_tokens == config.infill_sampling().max_new_tokens


def test_widened_vocabulary_decodes_every_id(gpu_check):
    from mplt.models.standin import StandinSize, train_standin_tokenizer
    from mplt.models.tiny import shipped_texts
    tokenizer = gpu_check.measure.widen_vocabulary(train_standin_tokenizer(shipped_texts()[:50], StandinSize(vocab_size=512)),
                                                   3000)
    assert len(tokenizer) == 3000
    assert tokenizer.decode([2999]) and tokenizer.decode(tokenizer("def f(x):")["input_ids"]) == "def f(x):"


@pytest.mark.slow
def test_tiny_check_measures_projects_and_judges_every_gpu_profile():
    from mplt.training.config import PRESETS
    out = _run("--tiny")
    text = out.stdout
    assert out.returncode == 0, (text + out.stderr)[-3000:]
    assert "MEASURED" in text and "PROJECTED" in text
    for preset in PRESETS:                      # table-driven: a new preset is measured too
        assert f"train {preset} " in text
    assert "hf bf16 batch 4 n 2 new 8 T 0.2" in text and "hf 4-bit+adapter batch 4 n 2 new 8 T 0.2" in text
    assert "sandbox" in text and "programs/s" in text and "bnb 4-bit matmul" in text
    if importlib.util.find_spec("vllm") is not None:
        assert "vllm  " in text and "ok: each adapter's completions differ" in text
    else:
        assert "vllm" in text and "skipped: vllm is not importable" in text
    assert "codegen2-infill      infill-lesson preset qlora" in text         # two fine-tunes, then
    assert "left_to_right: " in text and "infilling: " in text                # both benchmarks
    assert any(line.startswith("codegen2-infill ") and " fits " in line for line in text.splitlines())
    for profile in ("scaled", "paper-1b-eval", "paper-1b-finetune"):
        assert f"{profile:<20} evaluate" in text
        assert any(line.startswith(f"{profile:<20}") and " fits " in line for line in text.splitlines())


@pytest.mark.gpu
@pytest.mark.slow
def test_real_size_check_on_a_gpu():
    out = _run(timeout=900)
    assert "PROJECTED" in out.stdout and "verdict" in out.stdout, out.stderr[-3000:]
    assert out.returncode in (0, 1)   # 1: a profile would not run as stated (the table says which)
