"""`backend = "auto"` (mplt.generation.engine): vLLM with a CUDA GPU where vllm imports, HF otherwise;
the run says which in one line and records it. The machine is described by an EngineProbe argument."""
from __future__ import annotations

import argparse

import pytest

from mplt.errors import MpltError
from mplt.generation.config import SamplingConfig
from mplt.generation.engine import (EngineProbe, choose_engine, probe_engine, resolve_profile_engine,
                                    resolve_sampling)

NO_GPU = EngineProbe(cuda_device=None, vllm_error=None)
GPU_WITH_VLLM = EngineProbe(cuda_device="NVIDIA Fake GPU", vllm_error=None)
GPU_WITHOUT_VLLM = EngineProbe(cuda_device="NVIDIA Fake GPU", vllm_error="vllm is not installed (no module)")


def test_auto_is_hf_without_a_gpu_and_vllm_with_one():
    assert choose_engine(NO_GPU).engine == "hf" and "no CUDA GPU" in choose_engine(NO_GPU).reason
    assert choose_engine(GPU_WITH_VLLM).engine == "vllm"
    fallback = choose_engine(GPU_WITHOUT_VLLM)
    assert fallback.engine == "hf" and "not installed" in fallback.reason
    line = choose_engine(GPU_WITH_VLLM).line()
    assert "\n" not in line and "vLLM" in line and "NVIDIA Fake GPU" in line


def test_this_machine_without_cuda_resolves_to_hf():
    import torch
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    probe = probe_engine()
    assert probe.cuda_device is None
    assert choose_engine().engine == "hf"


def test_auto_is_a_sampling_setting_and_resolves_in_the_config():
    config = SamplingConfig(backend="auto")
    assert resolve_sampling(config, NO_GPU).backend == "hf"
    assert resolve_sampling(config, GPU_WITH_VLLM).backend == "vllm"
    assert resolve_sampling(SamplingConfig(backend="hf"), GPU_WITH_VLLM).backend == "hf"   # named: kept
    with pytest.raises(MpltError, match="auto"):
        SamplingConfig(backend="fast")   # the error lists auto among the known names


@pytest.mark.parametrize("profile", ["scaled", "paper-1b-eval", "paper-1b-finetune"])
def test_gpu_profiles_ask_for_auto_and_smoke_keeps_hf(profile, tmp_path):
    from mplt.run.profiles import load_profile, stage_config
    loaded = load_profile(profile, tmp_path, filter_langs=False)
    resolved, choice = resolve_profile_engine(loaded, GPU_WITH_VLLM)
    assert choice.engine == "vllm" and loaded.table("evaluate")["backend"] == "auto"
    assert stage_config(resolved, "evaluate").sampling.backend == "vllm"
    on_cpu, choice = resolve_profile_engine(loaded, NO_GPU)
    assert choice.engine == "hf" and stage_config(on_cpu, "evaluate").sampling.backend == "hf"
    smoke = load_profile("smoke", tmp_path, filter_langs=False)
    assert resolve_profile_engine(smoke, GPU_WITH_VLLM) == (smoke, None)


def test_the_run_prints_the_engine_and_records_it(tmp_path, monkeypatch, capsys):
    """`run`: one line on the screen, the resolved backend in the stages' configs and the choice
    handed to the run files (environment.json's `generation_engine`)."""
    from mplt.commands import run as run_command
    from mplt.run import preflight, runner
    from mplt.run.profiles import load_profile, stage_config
    seen = {}
    for name in ("check_gpu", "check_hub", "check_hub_access_if_online", "check_execution_settings",
                 "fetch_prompt_files"):
        monkeypatch.setattr(preflight, name, lambda *a, **k: None)
    monkeypatch.setattr(runner, "write_run_files", lambda profile, run_dir, reason, engine=None:
                        seen.update(profile=profile, engine=engine))
    monkeypatch.setattr(runner, "run_profile", lambda *a, **k: runner.RunOutcome(0))
    args = argparse.Namespace(from_stage=None, only=None, no_progress=True, cold=False)
    profile = load_profile("paper-1b-eval", tmp_path, filter_langs=False)
    for probe, engine in ((NO_GPU, "hf"), (GPU_WITH_VLLM, "vllm")):
        assert run_command.run_loaded(profile, tmp_path / engine, "test", args, engine_probe=probe) == 0
        out = capsys.readouterr().out
        assert f"backend '{engine}', from \"auto\"" in " ".join(out.split())
        assert seen["engine"].record()["engine"] == engine
        assert stage_config(seen["profile"], "evaluate").sampling.backend == engine
