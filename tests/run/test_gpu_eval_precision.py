"""The GPU evaluation, report side: base and fine-tuned share one precision, the report says
which, and a Julia other than the published figures' release gets a warning beside Julia pass@1."""
import pytest

from mplt.io import write_json
from mplt.results.julia_version import julia_version, julia_warning
from mplt.results.report import section_pass_at_1
from mplt.evaluation.stage import EvaluateStageConfig, evaluation_precision, run_evaluate


def _finetuned_run(tmp_path, four_bit=True):
    for lang in ("lua", "rkt"):
        write_json(tmp_path / "finetune" / lang / "finetune_config.json", {"load_in_4bit": four_bit})
        (tmp_path / "finetune" / lang / "adapter").mkdir(parents=True)
    write_json(tmp_path / "finetune" / "summary.json",
               {"adapters": {"lua": "finetune/lua/adapter", "rkt": "finetune/rkt/adapter"}})
    return tmp_path


def test_adapters_trained_on_4bit_put_both_variants_on_the_4bit_base(tmp_path, monkeypatch):
    run = _finetuned_run(tmp_path)
    seen = []

    def fake_evaluate(config, progress=True):
        seen.append((config.adapter is not None, config.load_in_4bit))
        return {"languages": {lang: {"pass@1": 0.0} for lang in config.langs}}
    monkeypatch.setattr("mplt.evaluation.run.evaluate", fake_evaluate)
    summary = run_evaluate(run, EvaluateStageConfig(base_model="m", langs=("lua", "rkt")), progress=False)
    assert sorted(seen) == [(False, True), (True, True), (True, True)]
    assert summary["load_in_4bit"] is True and "4-bit NF4 base" in summary["precision"]


def test_released_checkpoints_and_explicit_settings(tmp_path):
    released = EvaluateStageConfig(base_model="m", finetuned_model="org/tuned", finetuned_revisions={"lua": "abc"})
    assert evaluation_precision(tmp_path, released) == (
        False, "base and fine-tuned both evaluated on the full-precision base (bf16/fp16 on GPU, fp32 on CPU) "
               "(released checkpoints are full-precision models)")
    run = _finetuned_run(tmp_path / "run")
    four_bit, text = evaluation_precision(run, EvaluateStageConfig(base_model="m", load_in_4bit=False))
    assert four_bit is False and "WARNING: the adapters were trained on a 4-bit base" in text
    assert evaluation_precision(_finetuned_run(tmp_path / "fp", False), EvaluateStageConfig(base_model="m"))[0] is False


@pytest.mark.parametrize("version, warned", [("julia version 1.5.3", "older"), ("julia version 1.10.8", "1.10.8"),
                                             ("julia version 1.8.2", None)])
def test_julia_version_and_warning(version, warned):
    env = {"toolchains": [{"language": "lua", "found": True, "version": "Lua 5.4.4"},
                          {"language": "jl", "found": True, "version": version}]}
    warning = julia_warning(julia_version(env))
    assert (warning is None) if warned is None else (warned in warning and "1.8.2" in warning)


def test_report_shows_precision_and_the_julia_warning():
    results = {"figures": {"pass@1.base.jl": 0.1, "pass@1.finetuned.jl": 0.12},
               "meta": {"evaluate_precision": "base and fine-tuned both evaluated on the 4-bit NF4 base (x)",
                        "environment": {"toolchains": [{"language": "jl", "found": True,
                                                        "version": "julia version 1.5.3"}]}}}
    text = section_pass_at_1(results, None, True)
    assert "| jl ⚠ |" in text and "⚠ Julia 1.5.3 ran these programs" in text
    assert "Precision: base and fine-tuned both evaluated on the 4-bit NF4 base" in text


def test_paper_eval_uses_the_authors_commits_with_their_sources(tmp_path):
    from mplt.models.registry import (AUTHORS_1B_REVISIONS, MODEL_CARD_1B_REVISIONS, MULTIPLT_1B_REVISIONS,
                                      require_model, revision_sources)
    from mplt.run.profiles import load_profile, stage_config
    profile = load_profile("paper-1b-eval", tmp_path)
    revisions = stage_config(profile, "evaluate").finetuned_revisions
    assert revisions == MULTIPLT_1B_REVISIONS == AUTHORS_1B_REVISIONS
    assert all(len(commit) == 40 for commit in revisions.values())          # commits, no guessed tags
    assert {f"nuprl/MultiPL-T-StarCoderBase_1b@{c}" for c in revisions.values()} <= set(profile.run.hub_models)
    assert len(revision_sources("rkt")) == 2 and len(revision_sources("jl")) == 1
    assert MODEL_CARD_1B_REVISIONS["lua"] != revisions["lua"] and MODEL_CARD_1B_REVISIONS["ml"] != revisions["ml"]
    assert "multiplcoder_commits" in require_model("multipl-t-1b-jl").notes
