"""`finetune_jobs`, the one entry function of fine-tuning: what it loads and where it puts each
adapter, the same for `reproduce.py finetune` and the `finetune` stage."""
from __future__ import annotations

from dataclasses import replace

import pytest
from training_helpers import lua_docs, small_config, write_docs

from mplt.errors import MpltError
from mplt.training.jobs import load_training_documents, plan_jobs


def _dataset(tmp_path, langs=("lua", "rkt")):
    for lang in langs:
        write_docs(tmp_path / "run" / "dataset" / lang / "train.jsonl", lua_docs(6, lang), lang)
    return tmp_path / "run"


def test_named_languages_missing_from_the_data_are_skipped_with_the_reason(tmp_path):
    run = _dataset(tmp_path)
    documents, skipped = load_training_documents(small_config("m", run, langs=("lua", "ml", "rkt")))
    assert [d.language for d in documents] == ["lua", "rkt"]
    assert list(skipped) == ["ml"] and "no training data for ml" in skipped["ml"]


def test_without_names_every_language_found_is_used(tmp_path):
    documents, skipped = load_training_documents(small_config("m", _dataset(tmp_path), langs=()))
    assert [d.language for d in documents] == ["lua", "rkt"] and skipped == {}


def test_two_sources_of_one_language_become_one_document_set(tmp_path):
    first = write_docs(tmp_path / "a.jsonl", lua_docs(3, "a"))
    second = write_docs(tmp_path / "b.jsonl", lua_docs(4, "b"))
    cfg = replace(small_config("m", first, langs=("lua",)), data=(str(first), str(second)))
    documents, _ = load_training_documents(cfg)
    assert len(documents) == 1 and len(documents[0].texts) == 7
    assert plan_jobs(tmp_path / "out", documents, "separate")[0].out == tmp_path / "out" / "lua"


def test_no_documents_at_all_is_one_error_naming_each_language(tmp_path):
    run = _dataset(tmp_path, ("lua",))
    with pytest.raises(MpltError, match=r"no training documents in .*ml: .*r: "):
        load_training_documents(small_config("m", run, langs=("ml", "r")))


def test_separate_gives_one_directory_per_language_even_for_one_language(tmp_path):
    documents, _ = load_training_documents(small_config("m", _dataset(tmp_path, ("lua",)), langs=("lua",)))
    assert [j.out for j in plan_jobs(tmp_path / "out", documents, "separate")] == [tmp_path / "out" / "lua"]
    both, _ = load_training_documents(small_config("m", _dataset(tmp_path), langs=()))
    [job] = plan_jobs(tmp_path / "out", both, "interleave")
    assert job.out == tmp_path / "out" and job.langs == ("lua", "rkt")
