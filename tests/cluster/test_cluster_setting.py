"""`[run] cluster` / `--cluster` (mplt/settings.py, docs/cluster.md): absent means this machine and
no Ray; a bad value, or a cluster named where Ray is not installed, is one line; the value is
recorded with the other host settings."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from mplt import settings
from mplt.commands.host_flags import FLAG_NAMES
from mplt.errors import MpltError

from tests.conftest import REPO
from tests.test_environment_defaults import clean_environment, seen_by_stage  # noqa: F401


@pytest.mark.parametrize("value", ["local", "auto", "ray://head.example:10001", "10.0.0.5:6379"])
def test_cluster_values_are_accepted_and_recorded(value):
    if importlib.util.find_spec("ray") is None:
        pytest.skip("the ray extra is not installed")
    host = settings.resolve({"cluster": value}, "p.toml [run]")
    assert host.cluster == value and host.record()["cluster"] == value


@pytest.mark.parametrize("value", ["somewhere", "http://head:10001", "ray://head", 3])
def test_a_bad_cluster_is_one_line_naming_its_source(value):
    with pytest.raises(MpltError) as error:
        settings.resolve({"cluster": value}, "p.toml [run]")
    assert str(error.value).startswith("p.toml [run] cluster=") and "\n" not in str(error.value)


def test_a_cluster_without_ray_is_one_line(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    with pytest.raises(MpltError, match=r"^--cluster 'local': Ray is not installed; `pip install -e \.\[ray\]`"):
        settings.resolve(flags={"cluster": "local"}, flag_names=FLAG_NAMES)


def test_no_cluster_runs_here_and_never_imports_ray():
    code = ("import sys\nfrom mplt.execution.pool import execute_all\nfrom mplt.settings import current\n"
            "assert current().cluster == ''\n"
            "r = execute_all([{'id': 1, 'language': 'py', 'program': 'print(1)\\n'}], progress=False)\n"
            "assert r[0]['status'] == 'OK', r\nassert 'ray' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_stage_takes_the_cluster_from_run_and_the_flag(monkeypatch, tmp_path, clean_environment):
    if importlib.util.find_spec("ray") is None:
        pytest.skip("the ray extra is not installed")
    assert seen_by_stage(monkeypatch, tmp_path, "").cluster == ""
    assert seen_by_stage(monkeypatch, tmp_path, 'cluster = "local"').cluster == "local"
    assert seen_by_stage(monkeypatch, tmp_path, 'cluster = "local"', "--cluster", "auto").cluster == "auto"


def test_a_bad_cluster_flag_is_one_line_from_the_cli(tmp_path, capsys, clean_environment):
    from mplt import cli
    profile = tmp_path / "p.toml"
    profile.write_text("[run]\n[select]\n")
    code = cli.main(["stage", "select", "--run-dir", str(tmp_path / "run"), "--config", str(profile),
                     "--cluster", "nowhere"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "--cluster 'nowhere': expected local, auto" in err and "\n" not in err


def test_the_cluster_is_in_the_resolved_config_and_environment(tmp_path, clean_environment):
    if importlib.util.find_spec("ray") is None:
        pytest.skip("the ray extra is not installed")
    from mplt.run import environment
    from mplt.run.profiles import load_profile, resolved_config
    profile_path = tmp_path / "p.toml"
    profile_path.write_text('[run]\ncluster = "local"\nstages = ["select"]\n[select]\n')
    profile = load_profile(str(profile_path), tmp_path / "run", flags={"cluster": "auto"}, flag_names=FLAG_NAMES)
    assert resolved_config(profile)["host"]["cluster"] == "auto"
    with settings.applied(profile.host):
        assert environment.host_settings()["cluster"] == "auto"


def test_the_nodes_get_the_toolchains_named_by_the_drivers_environment(monkeypatch, clean_environment):
    """$MPLT_LUA is read here and travels as a setting: a node does not see the driver's variables."""
    from mplt.execution import cluster
    seen = {}

    def start_executors(ray, settings, *args):
        seen["settings"] = settings
        raise MpltError("stop here")
    monkeypatch.setattr(cluster, "connect", lambda name: None)
    monkeypatch.setattr(cluster, "start_executors", start_executors)
    monkeypatch.setenv("MPLT_LUA", "/opt/lua-of-the-driver")
    jobs = {"k": [{"id": 1, "language": "lua", "program": "print(1)\n"}]}
    with pytest.raises(MpltError, match="stop here"):
        cluster.run_on_cluster(["k"], jobs, None, None, None, "warm", settings.HostSettings(cluster="local"))
    assert seen["settings"].toolchains == (("lua", "/opt/lua-of-the-driver"),)


def test_a_lost_actors_batches_go_back_to_the_front_of_the_queue_once():
    """mplt.execution.cluster.requeue, shared by the execution nodes and the ray backend's replicas: the
    batch in hand and every other batch the lost actor held return in order; others' stay in flight."""
    from collections import deque

    from mplt.execution.cluster import requeue
    lost, kept = object(), object()
    queue = deque([["e"]])
    in_flight = {"r1": (lost, ["b"]), "r2": (kept, ["c"]), "r3": (lost, ["d"])}
    assert requeue(lost, ["a"], queue, in_flight) == [["a"], ["b"], ["d"]]
    assert list(queue) == [["a"], ["b"], ["d"], ["e"]]
    assert in_flight == {"r2": (kept, ["c"])}
