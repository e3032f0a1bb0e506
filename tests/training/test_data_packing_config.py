"""Document sources, the seeded eval split, packing and the config presets (no model needed)."""
import json

import pytest
import torch

from training_helpers import lua_docs, write_docs
from mplt.errors import MpltError
from mplt.training import data as data_mod
from mplt.training.config import PRESETS, TrainConfig, resolve_config
from mplt.training.data import interleave, load_documents, split_eval
from mplt.training.packing import IGNORE, pack_documents


def test_run_dir_dataset_dir_and_jsonl_sources(tmp_path):
    run = tmp_path / "run"
    write_docs(run / "dataset" / "lua" / "train.jsonl", lua_docs(5))
    write_docs(run / "dataset" / "rkt" / "train.jsonl", ["(define x 1)\n"] * 3, "rkt")
    both = load_documents(str(run))
    assert [(d.language, len(d.texts)) for d in both] == [("lua", 5), ("rkt", 3)]
    assert [d.language for d in load_documents(str(run / "dataset"), ("rkt",))] == ["rkt"]
    single = load_documents(str(run / "dataset" / "lua" / "train.jsonl"), max_docs=2)
    assert single[0].language == "lua" and len(single[0].texts) == 2
    with pytest.raises(MpltError, match="no training data for jl"):
        load_documents(str(run), ("jl",))


def test_save_to_disk_dataset(tmp_path):
    import datasets
    datasets.DatasetDict({"lua": datasets.Dataset.from_dict({"content": lua_docs(4)})}).save_to_disk(tmp_path / "dd")
    docs = load_documents(str(tmp_path / "dd"), ("lua",))
    assert docs[0].texts == tuple(lua_docs(4))
    datasets.Dataset.from_dict({"text": ["x"]}).save_to_disk(tmp_path / "bad")
    with pytest.raises(MpltError, match="no `content` column"):
        load_documents(str(tmp_path / "bad"), ("lua",))


def test_hub_dataset_uses_load_dataset_with_split_and_revision(monkeypatch):
    import datasets
    calls = []

    def fake_load_dataset(name, split, revision):
        calls.append((name, split, revision))
        return datasets.Dataset.from_dict({"content": ["#lang racket\n(define x 1)\n"]})
    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    docs = load_documents("nuprl/MultiPL-T", ("rkt",), revision="abc123")
    assert calls == [("nuprl/MultiPL-T", "racket", "abc123")] and docs[0].language == "rkt"

    def offline(*args, **kwargs):
        raise ConnectionError("offline")
    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(MpltError, match="cannot load dataset 'nuprl/MultiPL-T' split 'lua'"):
        load_documents("nuprl/MultiPL-T", ("lua",))
    with pytest.raises(MpltError, match="--langs"):
        load_documents("nuprl/MultiPL-T")


def test_bad_records_are_clear_errors(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"text": "no content"}) + "\n")
    with pytest.raises(MpltError, match="no string `content`"):
        load_documents(str(path))
    with pytest.raises(MpltError, match="does not exist"):
        load_documents(str(tmp_path / "missing.jsonl"))
    blank = tmp_path / "blank.jsonl"
    blank.write_text(json.dumps({"content": "  \n"}) + "\n")
    assert load_documents(str(blank), ("jl",))[0].texts == ()    # empty language: the caller skips it


def test_eval_split_is_seeded_disjoint_and_by_document():
    texts = tuple(f"doc {i}" for i in range(200))
    train, held = split_eval(texts, 0.05, 500, seed=1)
    assert len(held) == 10 and not set(train) & set(held) and len(train) + len(held) == 200
    assert split_eval(texts, 0.05, 500, seed=1) == (train, held)
    assert split_eval(texts, 0.05, 500, seed=2)[1] != held
    assert split_eval(texts, 0.5, 3, seed=1)[1].__len__() == 3
    assert split_eval(texts[:1], 0.05, 500, seed=1) == (["doc 0"], [])


def test_interleave_round_robin():
    assert interleave([["a1", "a2", "a3"], ["b1"]]) == ["a1", "b1", "a2", "a3"]


def test_packing_eos_windows_labels_pad_and_drop():
    docs = [[5, 6, 7], [8, 9], [10, 11, 12, 13]]
    ids, labels, stats = pack_documents(docs, 0, 4, "pad")
    assert ids.tolist() == [[5, 6, 7, 0], [8, 9, 0, 10], [11, 12, 13, 0]]
    assert torch.equal(ids, labels) and stats.tokens == 12 and stats.windows == 3
    ids, labels, stats = pack_documents(docs[:2], 0, 4, "pad")
    assert ids.tolist() == [[5, 6, 7, 0], [8, 9, 0, 0]] and labels.tolist()[1] == [8, 9, 0, IGNORE]
    ids, _, stats = pack_documents(docs[:2], 0, 4, "drop")
    assert ids.tolist() == [[5, 6, 7, 0]] and stats.dropped_tokens == 3


def test_presets_and_resolution(tmp_path):
    paper = resolve_config("paper", overrides={"model": "m", "data": ("d",)})
    assert (paper.lr, paper.micro_batch * paper.grad_accum, paper.seq_len, paper.epochs, paper.warmup_steps,
            paper.weight_decay, paper.max_grad_norm) == (3e-5, 8, 2048, 7, 100, 0.001, 1.0)
    assert paper.tokens_per_step == 16_384
    qlora = resolve_config("qlora", overrides={"model": "m", "data": ("d",)})
    assert qlora.load_in_4bit and qlora.lora_r == 16 and qlora.tokens_per_step == 16_384
    toml = tmp_path / "ft.toml"
    toml.write_text('[finetune]\nlr = 1e-4\nlangs = ["lua", "rkt"]\n')
    cfg = resolve_config("qlora", str(toml), {"model": "m", "data": ("d",), "epochs": 5})
    assert (cfg.lr, cfg.langs, cfg.epochs) == (1e-4, ("lua", "rkt"), 5)
    toml.write_text("[finetune]\nlearning_rate = 1e-4\n")
    with pytest.raises(MpltError, match="unknown setting"):
        resolve_config("qlora", str(toml), {"model": "m", "data": ("d",)})
    with pytest.raises(MpltError, match="unknown preset"):
        resolve_config("nonesuch")
    with pytest.raises(MpltError, match="--model"):
        resolve_config("qlora", overrides={"data": ("d",)})
    assert set(PRESETS["paper"]) <= {f for f in TrainConfig.__dataclass_fields__}
