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
    needs = r"^backend 'ray' samples on a Ray cluster: set \[run\] cluster"
    with applied(resolve({})), pytest.raises(MpltError, match=needs):
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
            # The same replicas serve the base model next (the adapter is per request).
            base = ray_replicas.open_backend(dataclasses.replace(options, adapter=None), replicas=2, **ENGINE_ARGS)
            assert base.actors == backend.actors
            base_there = stream_completions(base, prompts, config, progress=False)
    finally:
        ray_replicas.close_replicas()
        ray.shutdown()
    assert {r["id"]: r["completions"] for r in there} == {r["id"]: r["completions"] for r in here}
    assert {(r["backend"], r["replicas"]) for r in there} == {("ray", 2)}
    assert [r["completions"] for r in base_there] != [r["completions"] for r in there]   # the adapter mattered
    assert {(r["backend"], r["replicas"]) for r in here} == {("vllm", 1)}


@pytest.mark.slow        # about 8 s of Ray start; the requeue itself is tested fast (tests/cluster)
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs the ray extra (make setup installs it)")
def test_a_lost_replica_hands_its_batches_to_the_others():
    """Two stand-in replicas (no vLLM: each answers a request with its id); one is killed after the
    first answers: every batch is still answered, exactly once."""
    import ray

    from mplt.execution.cluster import connect
    from mplt.generation.backends.base import Request, Sampled
    from mplt.generation.backends.ray_replicas import RayBackend

    class StandIn:
        def sample(self, batch):
            import time
            time.sleep(0.2)
            return [Sampled((r.id,) * r.count) for r in batch]
    ray.shutdown()
    try:
        connect("local")
        actors = [ray.remote(StandIn).options(num_cpus=0, max_restarts=0).remote() for _ in range(2)]
        backend = RayBackend(ray, actors, [{"source": "stand-in", "context": 64}] * 2, None)
        batches = [[Request(id=f"p{i}", text="x", ids=(1,), first=0, count=2, max_new_tokens=4, stops=(),
                            temperature=0.8, top_p=0.95, top_k=0, seed=1, skip_special_tokens=True)] for i in range(12)]
        answered = []
        for batch, answers in backend.run(batches):
            answered.append((batch[0].id, answers[0].texts))
            if len(answered) == 2:
                ray.kill(actors[1])
    finally:
        ray.shutdown()
    assert sorted(answered) == sorted((f"p{i}", (f"p{i}",) * 2) for i in range(12))
    assert backend.actors == [actors[0]] and backend.replicas == 2
