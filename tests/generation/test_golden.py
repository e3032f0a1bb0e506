"""Completions recorded before the HF path was sped up (docs/generation.md, "The HF path"), asserted after.

The smoke profile's expected figures depend on every sampled token (docs/determinism.md), so a
change to how the HF backend samples or stops must leave the completions of the same seeds
identical on CPU. The cases cover no stop, a stop inside the first generated token, stops that span
several tokens, a newline stop, EOS, greedy decoding and batch sizes that split prompts.
Re-record only on purpose (a new tiny model): `python tests/generation/test_golden.py TINY_MODEL_DIR`,
with stop strings and EOS tokens picked from the new model's `no_stop` completions so that every case
still cuts something (test_the_recording_exercises_every_stop_kind). Last recorded when the tiny
model's tokenizer moved from the standard library's sources to the texts mplt ships
(`mplt.models.tiny.shipped_texts`), so that the recording does not depend on the Python build.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

from mplt.generation import SamplingConfig, sample_completions

GOLDEN = Path(__file__).parent / "fixtures" / "golden_completions.json"
BASE = SamplingConfig(n=3, temperature=0.8, top_p=0.95, max_new_tokens=16, batch_size=4, seed=7)
# name -> (stop strings for every prompt, config changes, extra EOS token strings)
CASES = {
    "no_stop": ((), {}, ()),
    "stop_inside_first_token": ((" ev", " fa"), {}, ()),
    "multi_token_stops": (('ts"]', "ifmp", "y pro"), {}, ()),
    "newline_stop": (("\n",), {"max_new_tokens": 24}, ()),
    "eos": ((), {}, (" each", " many", "12")),
    "eos_and_stops": (("umber",), {"batch_size": 1}, (" many",)),
    "greedy": ((), {"temperature": 0.0, "n": 2}, ()),
    "batch_splits_prompts": (("e",), {"batch_size": 2, "seed": 11}, ()),
}


def golden_prompts(stops) -> list[dict]:
    return [{"id": f"p{i}", "prompt": "def f(x):\n    return" + " x" * i + "\n", "stop_tokens": list(stops)}
            for i in range(3)]


def run_case(loaded, name: str) -> dict[str, list[str]]:
    stops, changes, eos_texts = CASES[name]
    config = dataclasses.replace(BASE, **changes)
    generation = loaded.model.generation_config
    saved = generation.eos_token_id
    if eos_texts:
        extra = [loaded.tokenizer(t)["input_ids"][0] for t in eos_texts]
        generation.eos_token_id = [loaded.tokenizer.eos_token_id, *extra]
    try:
        records = sample_completions(loaded, golden_prompts(stops), config, progress=False)
    finally:
        generation.eos_token_id = saved
    return {r["id"]: r["completions"] for r in records}


@pytest.mark.parametrize("name", sorted(CASES))
def test_completions_match_the_recording(tiny_loaded, name):
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))[name]
    assert run_case(tiny_loaded, name) == expected


def test_the_recording_exercises_every_stop_kind():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert any(c == "" for c in golden["stop_inside_first_token"]["p0"] + golden["stop_inside_first_token"]["p1"])
    assert golden["multi_token_stops"] != golden["no_stop"] and golden["eos"] != golden["no_stop"]
    assert all("\n" not in c for cs in golden["newline_stop"].values() for c in cs)


if __name__ == "__main__":
    from mplt.models.load import load_model
    tiny = load_model(sys.argv[1], device="cpu")
    GOLDEN.write_text(json.dumps({name: run_case(tiny, name) for name in CASES}, indent=1, ensure_ascii=False)
                      + "\n", encoding="utf-8")
