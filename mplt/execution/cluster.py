"""Execution on a Ray cluster: `execute_all`'s programs run on every node, its results come back
here and are written by the driver alone (docs/cluster.md).

One `NodeExecutor` actor per node with CPUs, pinned to it, running as many programs at once as the
node has CPUs (Ray's count: `ray start --num-cpus`), hosts mplt's
own sandbox and warm pool (mplt/execution/node.py). Each actor is checked before it gets a program:
a node whose facts differ from the driver's is refused in one line naming it. Batches are pulled:
each actor holds two batches of about two programs per CPU, and gets the next when one comes back
(a larger node gets more work). Results stream back batch by batch; the driver records them, so a
lost node costs only the batches it held, which go to the other nodes: nothing is written twice,
since only the driver writes and only what came back (a rerun resumes by id, as on one machine).

Ray is imported here only, inside the functions, and only when `[run] cluster` names a cluster
(docs/style.md, rule 8).
"""
from __future__ import annotations

import dataclasses
import logging
import os
from collections import deque
from pathlib import Path
from typing import Callable

from mplt.errors import MpltError
from mplt.execution.limits import Limits
from mplt.execution.node import NodeExecutor, node_facts, refusal
from mplt.settings import HostSettings

log = logging.getLogger(__name__)
BATCHES_IN_FLIGHT = 2       # per actor: one running while the next waits, so no CPU idles between
PROGRAMS_PER_CPU = 2        # per batch
START_TIMEOUT_S = 300.0     # an actor not placed and checked by then: its node is refused


def connect(cluster: str):
    """Ray, connected to `cluster` ("local": a Ray started in this process, else an address); the
    driver's mplt package travels to every node (runtime_env py_modules), so the nodes run this
    code, whatever they have installed."""
    try:
        import ray
    except ImportError as e:
        raise MpltError(f"cluster {cluster!r}: Ray is not installed; `pip install -e .[ray]` (or `make setup`)") from e
    if ray.is_initialized():
        return ray
    package = str(Path(__file__).resolve().parents[1])
    runtime_env = {"py_modules": [package], "excludes": ["__pycache__", "*.pyc"]}
    try:
        if cluster == "local":
            ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False, runtime_env=runtime_env,
                     logging_level=logging.WARNING)
        else:
            ray.init(address=cluster, runtime_env=runtime_env, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise MpltError(f"cluster {cluster!r}: cannot connect to Ray ({first}); is `ray start --head` running "
                        "there? (docs/cluster.md)") from e
    return ray


def node_name(node: dict) -> str:
    return f"{node['NodeManagerAddress']} ({node['NodeID'][:8]})"


def start_executors(ray, settings: HostSettings, limits: Limits, execution: str, languages: tuple[str, ...],
                    workers: int | None) -> list[tuple[str, object, int]]:
    """[(node name, actor, CPUs)] for every live node with CPUs that passes the node check; a
    refused node is one warning line; none left is an error listing why."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
    expected = node_facts(languages, settings)
    remote = ray.remote(NodeExecutor)
    started = []
    for node in ray.nodes():
        cpus = int(node.get("Resources", {}).get("CPU", 0))
        if not node.get("Alive") or cpus < 1:
            continue
        # One CPU reserved, the node's CPUs used: a replica or another job holding CPUs there
        # delays nothing (sandboxed programs are the node's work, the actor only waits on them).
        actor = remote.options(num_cpus=1, max_concurrency=BATCHES_IN_FLIGHT + 1, max_restarts=0,
                               scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
                               ).remote(settings, limits, execution, min(cpus, workers or cpus))
        started.append((node_name(node), actor, cpus, actor.facts.remote(languages)))
    usable, refused = [], []
    for name, actor, cpus, facts in started:
        try:
            why = refusal(name, ray.get(facts, timeout=START_TIMEOUT_S), expected)
        except Exception as e:     # GetTimeoutError, RayActorError: the node cannot host an executor
            why = f"node {name}: its executor did not start ({type(e).__name__}: {str(e).strip()[:160]})"
        if why is None:
            usable.append((name, actor, cpus))
            continue
        refused.append(why)
        log.warning("%s; not used", why)
        ray.kill(actor)
    if not usable:
        raise MpltError("no cluster node can execute these programs: "
                        + "; ".join(refused or ["the cluster has no CPUs"]))
    return usable


def run_on_cluster(keys: list[str], by_key: dict[str, list[dict]], limits: Limits, workers: int | None,
                   record: Callable[[str, dict], None], execution: str, settings: HostSettings) -> None:
    """Run the first job of each key on the cluster named by `settings.cluster`; `record(key,
    fields)` for each result, as it comes back (mplt/execution/pool.py)."""
    if not keys:
        return
    ray = connect(settings.cluster)
    from mplt.langs import get_language
    languages = tuple(sorted({get_language(by_key[k][0]["language"]).name for k in keys}))
    # The toolchains this process would use, named: a node reads no $MPLT_<LANG> of the driver's.
    named = settings.record(languages)["toolchains"]
    settings = dataclasses.replace(settings, toolchains=tuple(sorted(named.items())))
    executors = start_executors(ray, settings, limits, execution, languages, workers)
    queue = deque(_batches(keys, by_key, PROGRAMS_PER_CPU * min(cpus for _, _, cpus in executors)))
    in_flight: dict = {}        # ObjectRef -> (executor, batch)
    smallest = min(cpus for _, _, cpus in executors)

    def top_up(executor) -> None:
        """Batches in hand: BATCHES_IN_FLIGHT per `smallest` CPUs of the node."""
        wanted = BATCHES_IN_FLIGHT * max(1, executor[2] // smallest)
        while queue and sum(1 for holder, _ in in_flight.values() if holder is executor) < wanted:
            _submit(queue, executor, in_flight)
    try:
        for executor in executors:
            top_up(executor)
        while in_flight:
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            executor, batch = in_flight.pop(ready[0])
            try:
                results = ray.get(ready[0])
            except ray.exceptions.RayTaskError as e:    # raised by run_batch itself, not a lost node
                cause = getattr(e, "cause", None)
                if isinstance(cause, MpltError):    # one line, as on one machine (docs/bad-input.md)
                    raise cause from None
                raise
            except ray.exceptions.RayError:         # the actor, its worker or its node died
                executors = _lose(executor, batch, executors, queue, in_flight)
                for other in executors:
                    top_up(other)
                continue
            for key, fields in results:
                record(key, fields)
            top_up(executor)
    finally:
        _stop(ray, executors)


def _batches(keys: list[str], by_key: dict[str, list[dict]], size: int) -> list[list[tuple[str, str, str]]]:
    items = [(key, by_key[key][0]["language"], by_key[key][0]["program"]) for key in keys]
    return [items[i:i + size] for i in range(0, len(items), size)]


def _submit(queue: deque, executor, in_flight: dict) -> None:
    if queue:
        batch = queue.popleft()
        in_flight[executor[1].run_batch.remote(batch)] = (executor, batch)


def requeue(holder, batch, queue: deque, in_flight: dict) -> list:
    """Put `batch` and every other batch `holder` has in flight (ref -> (holder, batch)) back at the
    front of the queue, in their order; returns them. Shared by the execution nodes and the vLLM
    replicas of the `ray` backend: a lost actor's work is redone once, elsewhere."""
    lost = [batch]
    for ref, (other, held) in list(in_flight.items()):
        if other is holder:
            del in_flight[ref]
            lost.append(held)
    queue.extendleft(reversed(lost))
    return lost


def _lose(executor, batch, executors, queue: deque, in_flight: dict) -> list:
    """A node died with `batch` (and perhaps others) in hand: they go back to the queue, to the
    nodes left; none left is an error (the rerun resumes by id)."""
    lost = requeue(executor, batch, queue, in_flight)
    left = [e for e in executors if e is not executor]
    log.warning("node %s was lost with %d programs in hand; they run on the %d node(s) left", executor[0],
                sum(map(len, lost)), len(left))
    if not left:
        raise MpltError(f"every cluster node was lost (last: {executor[0]}); rerun to execute the programs left "
                        "(finished ones are kept)")
    return left


def _stop(ray, executors) -> None:
    for _, actor, _ in executors:
        try:
            ray.get(actor.close.remote(), timeout=60)
        except Exception:      # a lost node: nothing to close
            pass
        ray.kill(actor)
