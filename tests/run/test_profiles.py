"""Profiles parse into every stage's config; bad profiles fail with one clear error."""
from __future__ import annotations

import pytest

from mplt.errors import MpltError
from mplt.run import profiles
from mplt.run.profiles import choose_default_profile, load_profile, resolved_config, stage_config

ALL = ("smoke", "scaled", "paper-1b-eval", "paper-1b-finetune")


def test_the_four_profiles_exist():
    assert set(ALL) <= set(profiles.list_profiles())


@pytest.mark.parametrize("name", ALL)
def test_profile_parses_into_stage_configs(name, tmp_path):
    profile = load_profile(name, tmp_path / "run", filter_langs=False)
    resolved = resolved_config(profile)
    for stage in profile.run.stages:
        if stage in ("report", "check"):
            continue
        config = stage_config(profile, stage)
        assert type(config).__name__.endswith("Config")
        assert stage in resolved
    text = repr(resolved)
    assert "{run}" not in text and "{data}" not in text
    assert resolved["profile"] == name


def test_smoke_profile_is_offline_cpu_and_uses_our_assets(tmp_path):
    profile = load_profile("smoke", tmp_path, filter_langs=False)
    assert not profile.run.needs_hub and not profile.run.needs_gpu
    assert profile.run.stages[0] == "model"
    assert stage_config(profile, "testgen").model == str(tmp_path / "model")
    assert stage_config(profile, "evaluate").benchmark == "mini"
    assert stage_config(profile, "select").path == str(profiles.DATA_DIR / "smoke_corpus")
    assert set(stage_config(profile, "translate").languages) == {"lua", "rkt", "ml", "r", "jl"}


def test_hub_profiles_name_what_they_download(tmp_path):
    for name in ALL[1:]:
        profile = load_profile(name, tmp_path, filter_langs=False)
        assert profile.run.needs_hub and profile.run.hub_models
    paper = stage_config(load_profile("paper-1b-eval", tmp_path, filter_langs=False), "evaluate")
    assert paper.finetuned_revisions["rkt"] == "2cdc541bee1db4da80c0b43384b0d6a0cacca5b2"          # the model card's Racket commit
    assert (paper.sampling.n, paper.sampling.temperature) == (20, 0.2)
    scaled = stage_config(load_profile("scaled", tmp_path, filter_langs=False), "finetune")
    assert scaled.train_config().load_in_4bit


def _write(tmp_path, text):
    path = tmp_path / "p.toml"
    path.write_text(text)
    return str(path)


def test_unknown_stage_key_is_rejected(tmp_path):
    path = _write(tmp_path, '[run]\nstages = ["select"]\n[select]\nsource = "stdlib"\nmax_funcs = 3\n')
    profile = load_profile(path, tmp_path / "run")
    with pytest.raises(MpltError, match="max_funcs"):
        stage_config(profile, "select")


def test_unknown_table_and_stage_are_rejected(tmp_path):
    with pytest.raises(MpltError, match="unknown table"):
        load_profile(_write(tmp_path, "[selekt]\nsource = 'dir'\n"), tmp_path)
    with pytest.raises(MpltError, match="unknown stage"):
        load_profile(_write(tmp_path, "[run]\nstages = ['select', 'polish']\n"), tmp_path)
    with pytest.raises(MpltError, match="unknown setting"):
        load_profile(_write(tmp_path, "[run]\nstagez = ['select']\n"), tmp_path)


def test_unknown_training_setting_is_rejected(tmp_path):
    path = _write(tmp_path, '[run]\nstages = ["finetune"]\n[finetune]\nmodel = "m"\ndata = "d"\n'
                            '[finetune.settings]\nlearning_rate = 1.0\n')
    with pytest.raises(MpltError, match="learning_rate"):
        stage_config(load_profile(path, tmp_path), "finetune")


def test_unknown_profile_lists_the_known_ones(tmp_path):
    with pytest.raises(MpltError, match="smoke"):
        load_profile("fast", tmp_path)


def test_default_profile_depends_on_cuda(monkeypatch):
    assert choose_default_profile(True)[0] == "scaled"
    name, why = choose_default_profile(False)
    assert name == "smoke" and "no CUDA GPU" in why
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_default_profile() == ("scaled", "a CUDA GPU is present")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert choose_default_profile()[0] == "smoke"


def test_missing_toolchain_drops_the_language(monkeypatch, tmp_path):
    from mplt.langs import get_language
    monkeypatch.setattr(type(get_language("jl")), "find_executable", lambda self: None)
    profile = load_profile("smoke", tmp_path)
    assert profile.dropped_langs == ("jl",)
    assert "jl" not in stage_config(profile, "translate").languages
    assert "jl" not in stage_config(profile, "evaluate").langs
    from mplt.langs import languages
    assert [k for k, v in languages().items() if v.droppable] == ["jl"]   # the language declares it
