"""Full fine-tuning (the `full` preset, docs/method.md section 5.2) of a tiny model of StarCoderBase's
architecture (GPTBigCode, multi-query attention) on CPU: every weight moves, no adapter is written,
the model after each epoch loads for evaluation, and a killed run resumes to the same weights."""
from __future__ import annotations

import json
import math

import pytest
import torch
from safetensors.torch import load_file

from training_helpers import interrupt_in_second_epoch, lua_docs, write_docs
from mplt.errors import MpltError
from mplt.io import read_jsonl
from mplt.models.load import load_model
from mplt.training.config import resolve_config
from mplt.training.loop import finetune

PROBE = "local function add3(a, b)\n  return a +"


@pytest.fixture(scope="module")
def bigcode_dir(tmp_path_factory):
    from mplt.models.standin import StandinSize, build_standin, train_standin_tokenizer
    size = StandinSize(hidden_size=64, intermediate_size=128, num_layers=2, num_heads=4, vocab_size=512)
    out = tmp_path_factory.mktemp("bigcode")
    build_standin(out, "gpt_bigcode", train_standin_tokenizer(lua_docs(), size), 256, seed=0, size=size)
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_docs(tmp_path_factory.mktemp("full-data") / "train.jsonl", lua_docs(24))


def full_config(model_dir, data, **overrides):
    # The preset's settings, on a tiny scale: fp32 on CPU and an lr at which every weight visibly moves.
    values = dict(model=str(model_dir), data=(str(data),), seq_len=64, micro_batch=1, grad_accum=2, epochs=2,
                  lr=1e-3, device="cpu", compute_dtype="float32")
    values.update(overrides)
    return resolve_config("full", overrides=values)


@pytest.fixture(scope="module")
def full_run(bigcode_dir, data, tmp_path_factory):
    cfg = full_config(bigcode_dir, data)
    return cfg, finetune(cfg, tmp_path_factory.mktemp("full") / "out", show_progress=False)


def weights(directory):
    return {k: v for shard in sorted(directory.glob("*.safetensors")) for k, v in load_file(str(shard)).items()}


def test_the_preset_is_the_authors_older_trainer():
    cfg = resolve_config("full", overrides={"model": "m", "data": ("d",)})
    assert (cfg.finetune, cfg.load_in_4bit, cfg.lr, cfg.micro_batch, cfg.grad_accum, cfg.seq_len) == \
        ("full", False, 3e-5, 1, 8, 2048)
    assert (cfg.warmup_steps, cfg.weight_decay, cfg.epochs, cfg.last_window, cfg.max_grad_norm) == \
        (10, 0.001, 7, "pad", 0.0)
    assert cfg.scheduler_steps == "micro-batches" and cfg.gradient_checkpointing


def test_full_with_4bit_is_a_one_line_error():
    with pytest.raises(MpltError) as error:
        resolve_config("full", overrides={"model": "m", "data": ("d",), "load_in_4bit": True})
    assert "cannot load the model in 4-bit" in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(MpltError):      # the LoRA presets load in 4-bit by default: asking for full there too
        resolve_config("qlora", overrides={"model": "m", "data": ("d",), "finetune": "full"})


def test_every_weight_tensor_changes_and_no_adapter_is_written(full_run, bigcode_dir):
    cfg, result = full_run
    base = weights(bigcode_dir)
    assert result.state.epoch == cfg.epochs
    assert not (result.out_dir / "adapter").exists() and not list(result.out_dir.rglob("adapter_config.json"))
    assert [p.name for p in result.epoch_models] == ["epoch-1", "epoch-2"]
    assert result.adapter_dir == result.epoch_models[-1]
    tuned = weights(result.adapter_dir)
    assert set(tuned) == set(base)
    unchanged = [k for k in base if torch.equal(base[k], tuned[k])]
    assert not unchanged, unchanged
    # The last window is EOS-padded and kept, and the scheduler is planned over the micro-batches
    # (stepped once per optimizer step): the lr ends far above zero.
    rows = [r for r in read_jsonl(result.out_dir / "metrics.jsonl") if "lr" in r]
    assert rows[-1]["lr"] > 0.5 * cfg.lr


def test_each_epochs_model_loads_for_evaluation(full_run):
    cfg, result = full_run
    index = json.loads((result.out_dir / "epochs.json").read_text())
    assert [e["epoch"] for e in index["epochs"]] == [1, 2] and index["final"] == "epochs/epoch-2"
    outputs = []
    for directory in result.epoch_models:
        loaded = load_model(str(directory), device="cpu")
        assert loaded.model.config.model_type == "gpt_bigcode" and loaded.model.config.multi_query
        with torch.no_grad():
            outputs.append(loaded.model(**loaded.tokenizer([PROBE], return_tensors="pt")).logits)
        assert torch.isfinite(outputs[-1]).all()
    assert not torch.equal(outputs[0], outputs[1])
    card = (result.out_dir / "README.md").read_text()
    assert card.startswith("# Fully fine-tuned model") and "epochs.json" in card
    # Only the latest resumable checkpoint is kept: the epochs' models are what evaluation reads.
    assert len(list((result.out_dir / "checkpoints").glob("step-*"))) == 1


def test_a_killed_full_run_resumes_to_the_same_weights(full_run, bigcode_dir, data, tmp_path):
    cfg, reference = full_run
    steps_per_epoch = interrupt_in_second_epoch(cfg, reference, tmp_path)
    assert [p.name for p in (tmp_path / "epochs").iterdir()] == ["epoch-1"]
    resumed = finetune(cfg, tmp_path, show_progress=False)
    assert resumed.resumed_from == steps_per_epoch and resumed.state == reference.state
    mine, theirs = weights(resumed.adapter_dir), weights(reference.adapter_dir)
    assert all(torch.equal(mine[k], theirs[k]) for k in theirs)


def test_micro_batch_schedule_ends_near_the_peak():
    from mplt.training.loop import schedule_length
    cfg = resolve_config("full", overrides={"model": "m", "data": ("d",), "epochs": 3})
    # the 5k Racket ablation: 295 windows per epoch, 37 optimizer steps, 111 in 3 epochs
    length = schedule_length(cfg, 295, 111)
    assert length == 885
    progress = (111 - cfg.warmup_steps) / (length - cfg.warmup_steps)
    assert 0.5 * (1 + math.cos(math.pi * progress)) > 0.95
    assert schedule_length(resolve_config("qlora", overrides={"model": "m", "data": ("d",)}), 295, 111) == 111


def test_seeded_sample_of_documents():
    from mplt.training.data import Documents, sample_documents
    docs = Documents("rkt", "src", tuple(f"doc {i}" for i in range(100)))
    a, b = sample_documents(docs, 10, seed=0), sample_documents(docs, 10, seed=0)
    assert a == b and len(a.texts) == 10 and "seeded sample of 10" in a.source
    assert list(a.texts) == sorted(a.texts, key=lambda t: int(t.split()[1]))     # kept in their order
    assert sample_documents(docs, 10, seed=1).texts != a.texts
    assert sample_documents(docs, 500, seed=0) == docs


@pytest.mark.gpu
def test_gpu_full_fine_tuning_trains_bf16_weights(bigcode_dir, data, tmp_path):
    """On a GPU the whole model is trained in bf16, as MultiPL-T's trainer (docs/method.md, section 5.2)."""
    cfg = full_config(bigcode_dir, data, device="cuda", compute_dtype="auto", epochs=1)
    result = finetune(cfg, tmp_path, show_progress=False)
    assert {p.dtype for p in result.model.parameters()} == {torch.bfloat16}
    assert all(p.requires_grad for p in result.model.parameters())
    base, tuned = weights(bigcode_dir), weights(result.adapter_dir)
    assert {v.dtype for v in tuned.values()} == {torch.bfloat16}
    assert not [k for k in base if torch.equal(base[k].to(torch.bfloat16), tuned[k])]
