"""Infill sampling through the other two backends (docs/generation.md, "Infill sampling"): a fake
OpenAI-compatible server is sent the registry format's prompt text and its answers are cut at the
format's sentinels; vLLM on CPU (where installed) samples middles of a tiny CodeGen2-format model,
stopping at `<eom>` by id, with the same seeds on a rerun."""
from __future__ import annotations

import dataclasses
import importlib.util
import re

import pytest

from mplt.errors import MpltError
from mplt.generation import ModelOptions, SamplingConfig, stream_completions
from mplt.generation.backends import openai
from tests.generation.test_openai import FakeServer

PROMPT = {"id": "add", "prompt": "def add(a, b):\n", "suffix": "\n", "stop_tokens": []}
SENTINEL = re.compile(r"<mask_\d+>|<sep>|<eom>|<\|endoftext\|>|<fim_\w+>")
FAST = openai.ClientConfig(concurrency=2, timeout_s=10, retries=0, backoff_s=0.01)


def answer(text):
    def script(body, call):
        return 200, {"choices": [{"index": j, "text": text} for j in range(body["n"])],
                     "usage": {"prompt_tokens": 7}}
    return script


@pytest.mark.parametrize("model, end, prompt", [
    ("codegen2-1b", "<eom>", "def add(a, b):\n<mask_1>\n<|endoftext|><sep><mask_1>"),
    ("starcoderbase-1b", "<|endoftext|>", "<fim_prefix>def add(a, b):\n<fim_suffix>\n<fim_middle>")])
def test_a_server_is_sent_the_registry_formats_prompt(model, end, prompt):
    config = SamplingConfig(n=2, temperature=0.8, max_new_tokens=16, seed=1, backend="openai",
                            base_url="http://127.0.0.1:1")
    with FakeServer(answer(f"    return a + b{end}\n    junk")) as server:
        backend = openai.open_backend(ModelOptions(model=model, base_url=server.url), FAST)
        [record] = stream_completions(backend, [PROMPT], config, progress=False)
    [body] = server.bodies
    assert body["prompt"] == prompt and end in body["stop"]
    assert record["completions"] == ["    return a + b"] * 2


def test_a_server_model_outside_the_registry_cannot_infill():
    config = SamplingConfig(n=1, temperature=0, backend="openai", base_url="http://127.0.0.1:1")
    with FakeServer(answer("x")) as server:
        backend = openai.open_backend(ModelOptions(model="someone/model", base_url=server.url), FAST)
        with pytest.raises(MpltError, match="cannot infill"):
            stream_completions(backend, [PROMPT], config, progress=False)
    assert server.bodies == []


@pytest.mark.slow        # a vLLM CPU engine start; the shared rules are tested fast on hf (test_infill_sampling.py)
@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vllm is not installed (pip install -e .[vllm])")
def test_vllm_samples_middles_with_stop_ids_and_seeds(tiny_codegen2_dir, monkeypatch):
    from mplt.generation.backends import vllm as vllm_backend
    monkeypatch.setenv("VLLM_ENABLE_V1_MULTIPROCESSING", "0")   # the settings of tests/generation/test_vllm.py
    monkeypatch.setenv("VLLM_CPU_KVCACHE_SPACE", "1")
    config = SamplingConfig(n=3, temperature=0.8, top_p=0.95, max_new_tokens=12, batch_size=2, seed=3, backend="vllm")
    prompts = [{**PROMPT, "id": f"add{i}"} for i in range(3)]
    try:
        backend = vllm_backend.open_backend(ModelOptions(model=str(tiny_codegen2_dir)),
                                            distributed_executor_backend="uni", enforce_eager=True)
        assert backend.infill_format().name == "codegen2"
        first = stream_completions(backend, prompts, config, progress=False)
        again = stream_completions(backend, prompts, dataclasses.replace(config, batch_size=1), progress=False)
    finally:
        vllm_backend.close_engine()
    assert [r["completions"] for r in first] == [r["completions"] for r in again]
    assert all(len(r["completions"]) == 3 and not any(SENTINEL.search(c) for c in r["completions"]) for r in first)
