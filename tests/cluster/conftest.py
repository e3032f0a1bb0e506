"""The corpora run through a cluster and on this machine, and the clusters (docs/cluster.md): an
in-process Ray (`cluster = "local"`) and two Ray nodes started on this machine, each a raylet of its
own with one CPU (`ray.cluster_utils.Cluster`, what `ray start --head` and `ray start --address`
start), stopped by the fixture."""
from __future__ import annotations

import pytest

from mplt.execution.limits import Limits, program_limits
from mplt.execution.pool import execute_all
from mplt.settings import applied, current, resolve
from tests.execution.test_warm import BREAK_LIMITS, BREAKERS, PROBE, humaneval_jobs
from tests.hostile.conftest import abstract_listener, listener, marker, scratch_root, secrets, swappiness  # noqa: F401
from tests.hostile.test_hostile import CASES, PROBES, hostile_jobs, limits_for

ray = pytest.importorskip("ray", reason="the ray extra is not installed (make setup installs it)")
# A fast slice of each corpus: the languages whose programs start quickly.
DIFFERENTIAL_LANGS = ("lua", "r")
HOSTILE_LANGS = ("py", "lua")
PROBLEMS = 4


@pytest.fixture(scope="session")
def corpus(humaneval_path, marker, listener, abstract_listener, secrets, swappiness,  # noqa: F811
           scratch_root) -> list[tuple[str, list[dict], Limits]]:
    """(name, jobs, limits): the warm differential corpus (translated HumanEval, oracle and wrong
    bodies; programs that break a warm worker, each followed by a probe) and the hostile corpus."""
    from mplt.benchmarks.humaneval import load_problems
    problems = load_problems(humaneval_path)
    groups = []
    for lang in DIFFERENTIAL_LANGS:
        groups.append((f"differential/{lang}", humaneval_jobs(problems, lang, PROBLEMS), program_limits(None)))
        breakers = []
        for name, program in BREAKERS[lang].items():
            breakers.append({"id": f"{lang}/{name}", "language": lang, "program": program})
            breakers.append({"id": f"{lang}/{name}/probe", "language": lang, "program": PROBE[lang]})
        groups.append((f"breakers/{lang}", breakers, BREAK_LIMITS[lang]))
    for lang in HOSTILE_LANGS:
        jobs = hostile_jobs(lang, CASES + PROBES, marker, listener, abstract_listener, secrets, swappiness)
        groups.append((f"hostile/{lang}", jobs, limits_for(lang)))
    return groups


def statuses(corpus, cluster: str = "") -> dict[str, str]:
    """id -> status for every program of `corpus`, executed here ("") or on `cluster`."""
    out = {}
    with applied(resolve({"cluster": cluster} if cluster else {})):
        assert current().cluster == cluster
        for name, jobs, limits in corpus:
            for result in execute_all(jobs, workers=2, limits=limits, progress=False):
                out[f"{name}/{result['id']}"] = result["status"]
    return out


@pytest.fixture(scope="session")
def local_statuses(corpus) -> dict[str, str]:
    return statuses(corpus)


@pytest.fixture(scope="module")
def local_ray():
    """`cluster = "local"`: Ray started by the first `execute_all`, shut down after the module."""
    ray.shutdown()
    yield "local"
    ray.shutdown()


@pytest.fixture(scope="module")
def two_nodes():
    """A head and a worker node, one CPU each, on this machine; yields (address, cluster)."""
    from ray.cluster_utils import Cluster
    ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        yield cluster.address, cluster
    finally:
        ray.shutdown()
        cluster.shutdown()
