"""Stage selection (--from/--only), resume by summary.json, preflight errors: with fake stages."""
from __future__ import annotations

import json

import pytest

from mplt.errors import MpltError
from mplt.run import runner
from mplt.run.profiles import Profile, RunSettings
from mplt.run.runner import plan_stages, run_profile
from mplt.stages.registry import STAGES as REAL_STAGES

STAGES = ("select", "testgen", "translate", "dataset", "report", "check")


def test_plan_runs_every_stage_by_default():
    assert plan_stages(STAGES) == (list(STAGES), set())


def test_only_runs_one_stage_again():
    assert plan_stages(STAGES, only="translate") == (["translate"], {"translate"})


def test_from_reruns_that_stage_and_the_later_ones():
    stages, rerun = plan_stages(STAGES, from_stage="translate")
    assert stages == list(STAGES)
    assert rerun == {"translate", "dataset"}          # report and check always run anyway


def test_stage_outside_the_profile_is_an_error():
    with pytest.raises(MpltError, match="not a stage of this profile"):
        plan_stages(("evaluate", "report", "check"), only="select")
    with pytest.raises(MpltError, match="either"):
        plan_stages(STAGES, from_stage="select", only="dataset")


class FakeStage:
    """Records calls; writes summary.json like a real stage."""

    def __init__(self, name, calls, fail=False):
        self.name, self.calls, self.fail = name, calls, fail

    def __getattr__(self, attr):     # everything but the run function: the real entry's
        return getattr(REAL_STAGES[self.name], attr)

    def load(self):
        def run(run_dir, config, *, progress=True):
            self.calls.append(self.name)
            if self.fail:
                raise MpltError("boom")
            summary = {"stage": self.name, "passed": True} if self.name == "check" else {"stage": self.name}
            if self.name not in ("report", "check"):
                (run_dir / self.name).mkdir(parents=True, exist_ok=True)
                (run_dir / self.name / "summary.json").write_text(json.dumps(summary))
            return summary
        return run, None


@pytest.fixture
def fake(monkeypatch, tmp_path):
    calls: list[str] = []
    failing: set[str] = set()
    monkeypatch.setattr("mplt.stages.registry.get_stage", lambda name: FakeStage(name, calls, name in failing))
    monkeypatch.setattr(runner, "stage_config", lambda profile, stage: None)
    profile = Profile("fake", tmp_path / "p.toml", RunSettings(stages=STAGES), {})
    return profile, calls, failing


def run(profile, tmp_path, **kw):
    from rich.console import Console
    return run_profile(profile, tmp_path / "run", console=Console(file=open("/dev/null", "w")), progress=False, **kw)


def test_resume_skips_finished_stages(fake, tmp_path):
    profile, calls, _ = fake
    assert run(profile, tmp_path).exit_code == 0
    assert calls == list(STAGES)
    calls.clear()
    outcome = run(profile, tmp_path)
    assert calls == ["report", "check"]                # everything else finished earlier
    assert outcome.exit_code == 0 and set(outcome.summaries) == set(STAGES)


def test_unfinished_stage_runs_again(fake, tmp_path):
    profile, calls, _ = fake
    run(profile, tmp_path)
    (tmp_path / "run" / "translate" / "summary.json").unlink()      # killed before writing its summary
    calls.clear()
    run(profile, tmp_path)
    assert calls == ["translate", "report", "check"]


def test_from_and_only_recompute_from_scratch(fake, tmp_path):
    profile, calls, _ = fake
    run(profile, tmp_path)
    marker = tmp_path / "run" / "dataset" / "partial.jsonl"
    marker.write_text("{}\n")
    calls.clear()
    run(profile, tmp_path, from_stage="translate")
    assert calls == ["translate", "dataset", "report", "check"]
    assert not marker.exists()                          # the stage directory was cleared
    calls.clear()
    run(profile, tmp_path, only="testgen")
    assert calls == ["testgen"]


def test_failing_stage_stops_the_run(fake, tmp_path):
    profile, calls, failing = fake
    failing.add("translate")
    outcome = run(profile, tmp_path)
    assert outcome.exit_code == 2
    assert calls == ["select", "testgen", "translate"]


def test_failed_check_gives_exit_code_1(fake, tmp_path, monkeypatch):
    profile, calls, _ = fake

    class FailingCheck(FakeStage):
        def load(self):
            return (lambda run_dir, config, progress=True: {"stage": "check", "passed": False, "failed": [1]}), None
    monkeypatch.setattr("mplt.stages.registry.get_stage",
                        lambda name: FailingCheck(name, calls) if name == "check" else FakeStage(name, calls))
    assert run(profile, tmp_path).exit_code == 1


def test_one_line_summaries():  # the registry entries write them (tests/stages)
    assert runner.one_line("select", {"functions": 25, "counts": {"functions": 41}}) == "25 functions kept of 41 found"
    line = runner.one_line("evaluate", {"pass@1": {"base": {"lua": 0.25}, "finetuned": {"lua": 0.5}}})
    assert "base: lua 0.250" in line and "finetuned: lua 0.500" in line
    assert runner.one_line("check", {"passed": False, "failed": [1, 2]}).startswith("FAIL (2")


def test_hub_profile_fails_fast_when_offline(monkeypatch, tmp_path):
    from mplt.run import preflight
    from mplt.run.profiles import load_profile
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(preflight, "cached_commit", lambda *a: None)
    profile = load_profile("scaled", tmp_path, filter_langs=False)
    with pytest.raises(MpltError, match="HF_HUB_OFFLINE=1") as err:
        preflight.check_hub(profile)
    assert "\n" not in str(err.value)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    with pytest.raises(MpltError, match="does not answer"):
        preflight.check_hub(profile, probe=lambda: False)
    preflight.check_hub(load_profile("smoke", tmp_path, filter_langs=False))     # no Hub needed


def test_cached_models_need_no_hub(monkeypatch, tmp_path):
    from mplt.run import preflight
    from mplt.run.profiles import load_profile
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(preflight, "cached_commit", lambda *a: "0" * 40)
    preflight.check_hub(load_profile("paper-1b-eval", tmp_path, filter_langs=False))


def test_gpu_profile_without_cuda_fails(tmp_path):
    from mplt.run.preflight import check_gpu
    from mplt.run.profiles import load_profile
    with pytest.raises(MpltError, match="CUDA GPU"):
        check_gpu(load_profile("scaled", tmp_path, filter_langs=False), cuda_available=False)
    check_gpu(load_profile("smoke", tmp_path, filter_langs=False), cuda_available=False)


def test_estimate_explains_itself(tmp_path):
    from mplt.run.estimate import estimate
    from mplt.run.profiles import load_profile
    seconds, lines = estimate(load_profile("scaled", tmp_path, filter_langs=False))
    assert 60 * 60 < seconds < 4 * 60 * 60
    assert any(line.startswith("evaluate") for line in lines) and "rates:" in lines[-1]
