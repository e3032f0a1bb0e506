"""Sampling with the tiny offline model: stop tokens, seeds, resume, skips (CPU, a few seconds)."""
from __future__ import annotations

import dataclasses
import json

import pytest

from mplt.errors import MpltError
from mplt.generation import SamplingConfig, sample_completions, truncate_at_stop_tokens

BASE = SamplingConfig(n=3, temperature=0.8, top_p=0.95, max_new_tokens=12, batch_size=4, seed=7)


def completions(records):
    return {r["id"]: r["completions"] for r in records}


def test_n_samples_per_prompt_and_fields_copied(tiny_loaded, prompts):
    records = sample_completions(tiny_loaded, prompts, BASE, progress=False)
    assert [r["id"] for r in records] == ["p0", "p1", "p2"]
    for i, r in enumerate(records):
        assert len(r["completions"]) == 3 and all(isinstance(c, str) for c in r["completions"])
        assert r["extra"] == i and r["skipped_reason"] is None
        assert (r["n"], r["temperature"], r["top_p"], r["max_new_tokens"]) == (3, 0.8, 0.95, 12)
    assert len({c for r in records for c in r["completions"]}) > 1   # samples differ


def test_same_seed_identical_across_batch_sizes(tiny_loaded, prompts):
    """fp32 CPU kernels only: bf16/fp16 GPU logits vary with the batch shape (mplt.generation)."""
    a = sample_completions(tiny_loaded, prompts, BASE, progress=False)
    for batch_size in (1, 7):
        b = sample_completions(tiny_loaded, prompts, dataclasses.replace(BASE, batch_size=batch_size),
                               progress=False)
        assert completions(a) == completions(b)
    # A prompt's completions do not depend on the other prompts in the run.
    alone = sample_completions(tiny_loaded, prompts[2:], BASE, progress=False)
    assert alone[0]["completions"] == a[2]["completions"]
    other = sample_completions(tiny_loaded, prompts, dataclasses.replace(BASE, seed=8), progress=False)
    assert completions(other) != completions(a)


def test_stop_tokens_cut_only_the_completion_and_match_post_hoc_cut(tiny_loaded, prompts):
    # The prompts contain "x" and "\n"; stop tokens are searched in the completion only.
    plain = [{**p, "stop_tokens": []} for p in prompts]
    stops = [" ", "e"]
    stopped = [{**p, "stop_tokens": stops} for p in prompts]
    full = completions(sample_completions(tiny_loaded, plain, BASE, progress=False))
    cut = completions(sample_completions(tiny_loaded, stopped, BASE, progress=False))
    for pid, texts in full.items():
        assert cut[pid] == [truncate_at_stop_tokens(t, stops) for t in texts]
        assert all(" " not in c and "e" not in c for c in cut[pid])


def test_greedy_copies_one_pass(tiny_loaded, prompts):
    config = dataclasses.replace(BASE, temperature=0.0, n=4)
    records = sample_completions(tiny_loaded, prompts[:1], config, progress=False)
    assert len(set(records[0]["completions"])) == 1 and len(records[0]["completions"]) == 4


def test_cut_at_eos(tiny_model_dir, prompts):
    from mplt.models.load import load_model
    loaded = load_model(str(tiny_model_dir), device="cpu")
    greedy = dataclasses.replace(BASE, temperature=0.0, n=1, max_new_tokens=6)
    first = sample_completions(loaded, prompts[:1], greedy, progress=False)[0]["completions"][0]
    assert first
    # Declare the first generated token to be an EOS: the completion must end before it.
    prompt_ids = loaded.tokenizer(prompts[0]["prompt"].strip())["input_ids"]
    import torch
    with torch.no_grad():
        logits = loaded.model(torch.tensor([prompt_ids])).logits[0, -1]
    loaded.model.generation_config.eos_token_id = [loaded.tokenizer.eos_token_id, int(logits.argmax())]
    assert sample_completions(loaded, prompts[:1], greedy, progress=False)[0]["completions"] == [""]


def test_too_long_prompt_is_skipped_with_reason(tiny_loaded, prompts):
    long = {"id": "long", "prompt": "x = 1\n" * 2000, "stop_tokens": []}
    records = sample_completions(tiny_loaded, [prompts[0], long], BASE, progress=False)
    assert records[0]["completions"] and records[0]["skipped_reason"] is None
    assert records[1]["completions"] == [] and "context is 1024" in records[1]["skipped_reason"]
    small = dataclasses.replace(BASE, max_context=4)
    assert "context is 4" in sample_completions(tiny_loaded, prompts[:1], small, progress=False)[0]["skipped_reason"]


def test_resume_after_interruption(tiny_loaded, prompts, tmp_path):
    reference = completions(sample_completions(tiny_loaded, prompts, BASE, progress=False))
    out = tmp_path / "samples.jsonl"
    sample_completions(tiny_loaded, prompts[:2], BASE, out, progress=False)
    # Simulate a writer killed mid-record: a torn last line.
    with open(out, "a", encoding="utf-8") as f:
        f.write('{"id": "p2", "completi')
    first_lines = out.read_text().splitlines()[:2]
    resumed = sample_completions(tiny_loaded, prompts, dataclasses.replace(BASE, batch_size=2), out, progress=False)
    assert completions(resumed) == reference
    lines = out.read_text().splitlines()
    assert lines[:2] == first_lines and len(lines) == 3
    assert [json.loads(line)["id"] for line in lines] == ["p0", "p1", "p2"]
    # Nothing left to do: a third run samples nothing and returns the same records.
    again = sample_completions(tiny_loaded, prompts, BASE, out, progress=False)
    assert completions(again) == reference and len(out.read_text().splitlines()) == 3


def test_resume_refuses_different_settings(tiny_loaded, prompts, tmp_path):
    out = tmp_path / "samples.jsonl"
    sample_completions(tiny_loaded, prompts[:1], BASE, out, progress=False)
    with pytest.raises(MpltError, match="temperature"):
        sample_completions(tiny_loaded, prompts, dataclasses.replace(BASE, temperature=0.2), out, progress=False)


def test_bad_prompts_and_config_are_errors(tiny_loaded):
    with pytest.raises(MpltError, match="duplicate"):
        sample_completions(tiny_loaded, [{"id": 1, "prompt": "a"}, {"id": 1, "prompt": "b"}], BASE, progress=False)
    with pytest.raises(MpltError, match="needs an `id`"):
        sample_completions(tiny_loaded, [{"prompt": "a"}], BASE, progress=False)
    with pytest.raises(MpltError):
        SamplingConfig(top_p=0)
