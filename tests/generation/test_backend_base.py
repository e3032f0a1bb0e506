"""The rules every backend shares, applied once by `Backend.generate` (mplt/generation/backends/base.py):
prompt stripping, stop strings (the prompt's and the extra ones) cut after sampling, greedy decoding
sampled once and copied n times with top_p 1 and top_k off, prompts over the context skipped with a
reason, the length bound, progress, and a prompt's per-sample requests gathered across batches.
A scripted backend stands in for an engine: it only returns raw texts."""
from __future__ import annotations

import dataclasses

import pytest

from mplt.errors import MpltError
from mplt.generation import SamplingConfig
from mplt.generation.backends.base import Backend, Sampled

CONFIG = SamplingConfig(n=3, temperature=0.8, top_p=0.9, top_k=5, max_new_tokens=8, batch_size=2, seed=1,
                        extra_stop_tokens=("<file_sep>",))


class Scripted(Backend):
    """Raw text `<text>|<j>;STOP<file_sep>tail` per sample; one token per character when it tokenizes."""
    name = "scripted"

    def __init__(self, local_tokenizer=False, per_sample=False, context=None, skip=()):
        self.local_tokenizer, self.one_request_per_sample = local_tokenizer, per_sample
        self.context, self.skip, self.batches = context, skip, []

    def tokenize(self, text):
        return [ord(c) for c in text]

    def context_length(self, max_context):
        return max_context or self.context

    def sample(self, batch):
        self.batches.append(batch)
        return [Sampled(skipped_reason="server: too long") if r.id in self.skip else
                Sampled(tuple(f"{r.text}|{j};STOP<file_sep>tail" for j in range(r.first, r.first + r.count)))
                for r in batch]


def prompts(k, text="  ab  "):
    return [{"id": f"p{i}", "prompt": text + str(i), "stop_tokens": [";STOP"], "extra": i} for i in range(k)]


def generate(backend, config=CONFIG, items=None):
    steps = []
    records = list(backend.generate(items if items is not None else prompts(2), config, steps.append))
    return records, steps


@pytest.mark.parametrize("per_sample", [False, True])
def test_texts_are_stripped_cut_at_the_stops_and_recorded(per_sample):
    backend = Scripted(per_sample=per_sample)
    records, steps = generate(backend)
    assert [r["completions"] for r in records] == [[f"ab  0|{j}" for j in range(3)], [f"ab  1|{j}" for j in range(3)]]
    assert all(r["skipped_reason"] is None and r["n"] == 3 and r["backend"] == "hf" for r in records)
    assert records[1]["extra"] == 1 and sum(steps) == 6
    requests = [r for batch in backend.batches for r in batch]
    assert {(r.stops, r.top_p, r.top_k, r.seed) for r in requests} == {((";STOP", "<file_sep>"), 0.9, 5, 1)}
    # batch_size counts requests: rows of one sample each, or prompts carrying all their samples
    assert [len(b) for b in backend.batches] == ([2, 2, 2] if per_sample else [2])
    assert [(r.first, r.count) for r in requests] == ([(j, 1) for j in range(3)] * 2 if per_sample else [(0, 3)] * 2)


def test_the_unstripped_prompt_under_strip_prompt_false():
    records, _ = generate(Scripted(), dataclasses.replace(CONFIG, strip_prompt=False), prompts(1))
    assert records[0]["completions"][0] == "  ab  0|0" and records[0]["prompt"] == "  ab  0"


@pytest.mark.parametrize("per_sample", [False, True])
def test_greedy_samples_once_with_top_p_1_and_no_top_k_and_copies(per_sample):
    backend = Scripted(per_sample=per_sample)
    records, steps = generate(backend, dataclasses.replace(CONFIG, temperature=0.0))
    assert [r["completions"] for r in records] == [["ab  0|0"] * 3, ["ab  1|0"] * 3] and sum(steps) == 6
    requests = [r for batch in backend.batches for r in batch]
    assert [(r.count, r.top_p, r.top_k, r.greedy) for r in requests] == [(1, 1.0, 0, True)] * 2


def test_prompts_over_the_context_or_empty_are_skipped_with_a_reason_before_sampling():
    backend = Scripted(local_tokenizer=True, context=6)
    items = [*prompts(1), {"id": "long", "prompt": "x" * 6, "stop_tokens": []}, {"id": "empty", "prompt": "   "}]
    records, steps = generate(backend, items=items)
    by_id = {r["id"]: r for r in records}
    assert by_id["long"]["skipped_reason"] == "prompt is 6 tokens; the model context is 6"
    assert by_id["empty"]["skipped_reason"] == "empty prompt" and by_id["empty"]["completions"] == []
    assert by_id["p0"]["prompt_tokens"] == 5 and [r.id for b in backend.batches for r in b] == ["p0"]
    assert sum(steps) == 9
    assert "context is 2" in generate(Scripted(local_tokenizer=True, context=6),
                                      dataclasses.replace(CONFIG, max_context=2), prompts(1))[0][0]["skipped_reason"]


def test_budget_follows_the_context_and_max_length():
    backend = Scripted(local_tokenizer=True, context=10)
    generate(backend, items=prompts(1))                                   # 5 tokens: 5 left of 10
    generate(backend, dataclasses.replace(CONFIG, max_length=5), prompts(1))
    generate(backend, items=prompts(1, "abcdef"))                         # 7 tokens: 3 left
    assert [b[0].max_new_tokens for b in backend.batches] == [5, 1, 3]


def test_an_engine_skip_and_a_wrong_count_and_max_length_without_a_tokenizer():
    records, steps = generate(Scripted(skip=("p1",)))
    assert records[1]["completions"] == [] and records[1]["skipped_reason"] == "server: too long" and sum(steps) == 6
    with pytest.raises(MpltError, match="cannot bound prompt \\+ completion"):
        generate(Scripted(), dataclasses.replace(CONFIG, max_length=512))

    class Short(Scripted):
        def sample(self, batch):
            return [Sampled(("one",)) for _ in batch]
    with pytest.raises(MpltError, match="asked for 3 completions of 'p0', got 1"):
        generate(Short())
