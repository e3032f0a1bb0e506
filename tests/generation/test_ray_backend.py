"""The `ray` backend (mplt/generation/backends/ray_replicas.py, docs/cluster.md): vLLM replicas as
Ray actors give, for the same seeds, the completions of the in-process vLLM backend, with a LoRA
adapter; records name the backend and the replica count. Runs the vLLM CPU build with the tiny local
Llama in an in-process Ray (`cluster = "local"`); skipped without vllm or ray."""
from __future__ import annotations

import dataclasses
import importlib.util

import pytest

from mplt.errors import MpltError
from mplt.generation import ModelOptions, stream_completions
from mplt.settings import applied, resolve

from tests.generation.test_vllm import CONFIG, ENGINE_ARGS, TEST_ENV, code_prompts

needs_both = pytest.mark.skipif(importlib.util.find_spec("vllm") is None or importlib.util.find_spec("ray") is None,
                                reason="needs the vllm and ray extras (make setup installs them)")


def test_the_ray_backend_needs_a_cluster(tiny_model_dir):
    from mplt.generation.backends import ray_replicas
    with applied(resolve({})), pytest.raises(MpltError, match=r"^backend 'ray' samples on a Ray cluster: set \[run\] cluster"):
        ray_replicas.open_backend(ModelOptions(model=str(tiny_model_dir)))


@needs_both
@pytest.mark.slow
def test_two_replicas_give_the_in_process_completions(tiny_model_dir, lora_adapter_dir, monkeypatch):
    import ray

    from mplt.generation.backends import ray_replicas
    from mplt.generation.backends import vllm as vllm_backend
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    options = ModelOptions(model=str(tiny_model_dir), adapter=str(lora_adapter_dir))
    prompts = code_prompts(6)
    try:
        here = stream_completions(vllm_backend.open_backend(options, **ENGINE_ARGS), prompts, CONFIG, progress=False)
    finally:
        vllm_backend.close_engine()
    ray.shutdown()
    try:
        with applied(resolve({"cluster": "local"})):
            backend = ray_replicas.open_backend(options, replicas=2, **ENGINE_ARGS)
            config = dataclasses.replace(CONFIG, backend="ray", batch_size=1)
            there = stream_completions(backend, prompts, config, progress=False)
            assert ray_replicas.open_backend(options, replicas=2, **ENGINE_ARGS).actors == backend.actors
    finally:
        ray_replicas.close_replicas()
        ray.shutdown()
    assert {r["id"]: r["completions"] for r in there} == {r["id"]: r["completions"] for r in here}
    assert {(r["backend"], r["replicas"]) for r in there} == {("ray", 2)}
    assert {(r["backend"], r["replicas"]) for r in here} == {("vllm", 1)}
