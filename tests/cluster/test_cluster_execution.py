"""Execution on a Ray cluster gives the verdicts of this machine (docs/cluster.md): the warm
differential and hostile corpora through `cluster = "local"` and through two Ray nodes; a node that
differs from the driver is refused in one line naming it; a node killed mid-stage loses nothing and
duplicates nothing."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest

from mplt.errors import MpltError
from mplt.execution import cluster as cluster_module
from mplt.execution.limits import Limits
from mplt.execution.node import node_facts, refusal
from mplt.execution.pool import execute_all
from mplt.langs.status import FAILURE, OK
from mplt.settings import applied, resolve
from tests.execution.programs import program
from tests.hostile.conftest import wait_until_gone

from .conftest import statuses


def quick_jobs(count: int = 6) -> list[dict]:
    """Passing and failing Python and Lua programs, written here."""
    jobs = []
    for i in range(count):
        lang = ("py", "lua")[i % 2]
        jobs.append({"id": f"q{i}", "language": lang, "program": program(lang, expected=3 if i % 3 else 4)})
    return jobs


def test_local_cluster_gives_this_machines_results_and_file(local_ray, tmp_path):
    jobs = quick_jobs()
    here = execute_all(jobs, tmp_path / "here.jsonl", progress=False)
    with applied(resolve({"cluster": local_ray})):
        there = execute_all(jobs, tmp_path / "there.jsonl", progress=False)
    assert [r["status"] for r in there] == [r["status"] for r in here]
    assert {r["status"] for r in here} == {OK, FAILURE}
    keep = ("id", "language", "program", "status", "exit_code", "sandbox", "limits")   # stdout has timings
    written = [json.loads(line) for line in (tmp_path / "there.jsonl").read_text().splitlines()]
    assert sorted(r["id"] for r in written) == sorted(j["id"] for j in jobs)
    assert ({r["id"]: {k: r[k] for k in keep} for r in written}
            == {r["id"]: {k: r[k] for k in keep} for r in here})


def test_a_node_unlike_the_driver_is_refused_in_one_line(local_ray, monkeypatch):
    """The driver expects another Lua than the node has: no node is left, and the error names it."""
    real = cluster_module.node_facts

    def driver_facts(languages, settings):
        facts = real(languages, settings)
        return {**facts, "toolchains": {**facts["toolchains"], "lua": "Lua 9.9 (not installed anywhere)"}}
    monkeypatch.setattr(cluster_module, "node_facts", driver_facts)
    with applied(resolve({"cluster": local_ray})), pytest.raises(MpltError) as error:
        execute_all(quick_jobs(2), progress=False)
    line = str(error.value)
    assert "\n" not in line and "node " in line and "Lua 9.9" in line


def test_refusal_names_each_difference():
    languages = ("lua",)
    with applied(resolve({})):
        expected = node_facts(languages, resolve({}))
    assert refusal("n1", expected, expected) is None
    cases = {"toolchains": {"lua": None}, "sandbox": "none", "hardened": False, "code": "0" * 16,
             "cgroups": not expected["cgroups"], "scratch": False}
    for field, value in cases.items():
        if field == "hardened" and not expected["hardened"]:
            continue
        line = refusal("n1", {**expected, field: value}, expected)
        assert line is not None and line.startswith("node n1: ") and "\n" not in line, field


@pytest.mark.slow
def test_corpora_through_the_local_cluster(local_ray, corpus, local_statuses, marker):
    through = statuses(corpus, local_ray)
    assert {k: (v, through.get(k)) for k, v in local_statuses.items() if through.get(k) != v} == {}
    assert wait_until_gone(marker) == [], "a hostile program outlived its stage on the cluster"


@pytest.mark.slow
def test_corpora_through_two_nodes(two_nodes, corpus, local_statuses, marker):
    address, _ = two_nodes
    through = statuses(corpus, address)
    assert {k: (v, through.get(k)) for k, v in local_statuses.items() if through.get(k) != v} == {}
    assert wait_until_gone(marker) == [], "a hostile program outlived its stage on the cluster"


@pytest.mark.slow
def test_a_node_killed_mid_stage_loses_and_duplicates_nothing(two_nodes, tmp_path, caplog):
    """The worker node is removed while programs run; the stage finishes on the head node, and a
    rerun over the same file adds nothing: every id exactly once."""
    address, cluster = two_nodes
    worker = [node for node in cluster.list_all_nodes() if node is not cluster.head_node][0]
    slow_body = "import time\n    time.sleep(0.4)\n    return a + b"
    jobs = [{"id": f"s{i}", "language": "py", "program": program("py", slow_body, expected=3 + i % 2) + f"# {i}\n"}
            for i in range(24)]
    out = tmp_path / "results.jsonl"
    finished: list = []

    def run():
        with applied(resolve({"cluster": address})):
            finished.append(execute_all(jobs, out, limits=Limits(timeout_s=10.0), progress=False))
    stage = threading.Thread(target=run)
    stage.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 4):
        time.sleep(0.2)
    assert out.exists() and len(out.read_text().splitlines()) < len(jobs), "the kill came too late to test"
    cluster.remove_node(worker)
    stage.join(timeout=300)
    assert not stage.is_alive()
    assert any("was lost with" in r.getMessage() for r in caplog.records), "the node held no programs"
    ids = Counter(json.loads(line)["id"] for line in out.read_text().splitlines())
    assert ids == Counter(job["id"] for job in jobs)
    with applied(resolve({"cluster": address})):
        rerun = execute_all(jobs, out, limits=Limits(timeout_s=10.0), progress=False)
    assert Counter(json.loads(line)["id"] for line in out.read_text().splitlines()) == ids
    assert [r["status"] for r in rerun] == [OK if i % 2 == 0 else FAILURE for i in range(len(jobs))]


DRIVER = """import sys
from mplt.execution.limits import Limits
from mplt.execution.pool import execute_all
from mplt.settings import applied, resolve
from tests.execution.programs import program
from tests.hostile.conftest import wait_until_gone
body = "import time\\n    time.sleep(0.4)\\n    return a + b"
jobs = [{"id": f"d{i}", "language": "py", "program": program("py", body) + f"# {i}\\n"} for i in range(30)]
with applied(resolve({"cluster": sys.argv[1]})):
    execute_all(jobs, sys.argv[2], limits=Limits(timeout_s=10.0), progress=False)
"""


@pytest.mark.slow
def test_a_driver_killed_mid_stage_resumes_with_every_id_once(two_nodes, tmp_path):
    """The driver (a process of its own, joined to the two-node cluster) is killed once a few results
    are written; the rerun writes the rest, each id once, the killed run's results kept."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO
    address, _ = two_nodes
    out = tmp_path / "results.jsonl"
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, address, str(out)], cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 4):
        time.sleep(0.2)
    driver.send_signal(signal.SIGKILL)
    driver.wait(timeout=60)
    before = [json.loads(line) for line in out.read_text().splitlines() if line.endswith("}")]
    assert 4 <= len(before) < 30, "the kill came too late to test"
    rerun = subprocess.run([sys.executable, "-c", DRIVER, address, str(out)], cwd=REPO, timeout=300,
                           env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip().endswith("}")]
    assert Counter(r["id"] for r in rows) == Counter(f"d{i}" for i in range(30))
    assert {r["status"] for r in rows} == {OK}
    assert [r for r in rows if r["id"] in {b["id"] for b in before}][:len(before)] == before


class FakeRay:
    """Just enough of Ray for `start_executors`: two live nodes and a CPU-less one; each node's
    executor reports `facts_by_node[node id]`."""

    def __init__(self, facts_by_node: dict):
        self.facts_by_node, self.killed = facts_by_node, []
        self.placed: list[str] = []

    def nodes(self):
        return [{"NodeID": node, "NodeManagerAddress": "10.0.0.1", "Alive": True, "Resources": {"CPU": 4}}
                for node in self.facts_by_node] + [{"NodeID": "c" * 56, "NodeManagerAddress": "10.0.0.9",
                                                    "Alive": True, "Resources": {}}]

    def remote(self, cls):
        fake = self

        class Options:
            def options(self, scheduling_strategy, **kwargs):
                node = scheduling_strategy.node_id
                fake.placed.append(node)

                class Actor:
                    class facts:
                        @staticmethod
                        def remote(languages):
                            return ("facts", node)
                return type("Handle", (), {"remote": staticmethod(lambda *a: Actor())})()
        return Options()

    def get(self, ref, timeout=None):
        return self.facts_by_node[ref[1]]

    def kill(self, actor):
        self.killed.append(actor)


def test_only_the_node_that_differs_is_refused_with_a_line_naming_it(caplog):
    settings = resolve({})
    expected = node_facts(("lua",), settings)
    other = {**expected, "toolchains": {"lua": "Lua 0.1"}}
    fake = FakeRay({"a" * 56: expected, "b" * 56: other})
    usable = cluster_module.start_executors(fake, settings, Limits(), "warm", ("lua",), None)
    assert [name for name, _, _ in usable] == [f"10.0.0.1 ({'a' * 8})"]
    assert fake.placed == ["a" * 56, "b" * 56] and len(fake.killed) == 1
    [line] = [r.getMessage() for r in caplog.records if "not used" in r.getMessage()]
    assert line.startswith(f"node 10.0.0.1 ({'b' * 8}): Lua is 'Lua 0.1'")
