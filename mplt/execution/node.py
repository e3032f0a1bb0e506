"""One cluster node's executor: mplt's own sandbox and warm pool, hosted in a Ray actor (docs/cluster.md).

The actor runs programs exactly as `pool.execute_all` does on one machine: the same `run_program`
and `WarmPool` (same bubblewrap view, rlimits, cgroups and verdict classification; docs/sandbox.md,
docs/warm.md), under the driver's host settings. Before it is given any program the driver compares
its `node_facts` with its own: a node whose toolchains, toolchain versions, sandbox mode, cgroups,
sandbox self-test or execution code differ would give other verdicts for the same program, so it is
refused (`refusal`), never silently used.

This module imports no Ray: the driver (`mplt.execution.cluster`) wraps `NodeExecutor` with
`ray.remote`, and the tests run it in-process too.
"""
from __future__ import annotations

import hashlib
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mplt.execution import isolation
from mplt.execution.cgroups import CGROUP_ROOT
from mplt.execution.limits import Limits
from mplt.execution.sandbox import run_program
from mplt.execution.warm import WarmPool
from mplt.langs import get_language
from mplt.settings import HostSettings, applied

# The result fields a node sends back (pool.RESULT_FIELDS; repeated here so this module does not
# import the pool, which imports the cluster driver).
SENT_FIELDS = ("status", "exit_code", "stdout", "stderr", "duration_s", "language", "sandbox", "reason",
               "warnings")
_EXECUTION_DIR = Path(__file__).resolve().parent


def execution_code_hash() -> str:
    """A hash of the execution package's sources: the sandbox, the warm workers and the verdicts."""
    digest = hashlib.sha256()
    for path in sorted(_EXECUTION_DIR.rglob("*.py")):
        digest.update(path.relative_to(_EXECUTION_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def node_facts(languages: tuple[str, ...], settings: HostSettings) -> dict:
    """What decides a verdict on this machine: toolchain versions, sandbox mode, cgroups, the
    sandbox self-test (mplt/execution/selftest.py), a writable scratch root and the execution code."""
    from mplt.execution.selftest import check_hardening
    with applied(settings):
        toolchains = {}
        for name in sorted(languages):
            lang = get_language(name)
            executable = lang.find_executable()
            toolchains[lang.name] = lang.toolchain_version(executable) if executable else None
        hardening = check_hardening()
        return {"host": socket.gethostname(), "scratch_root": str(settings.scratch_root()), "cpus": os.cpu_count() or 1, "toolchains": toolchains,
                "sandbox": isolation.detect_mode(), "hardened": hardening["hardened"],
                "selftest": hardening["detail"], "code": execution_code_hash(),
                "cgroups": os.geteuid() == 0 and (CGROUP_ROOT / "pids" / "cgroup.procs").exists(),
                "scratch": os.access(settings.scratch_root(), os.W_OK | os.X_OK)}


def refusal(node: str, facts: dict, expected: dict) -> str | None:
    """One line saying why `node` (its `facts`) cannot run the driver's programs (`expected`), else None."""
    for name, version in expected["toolchains"].items():
        theirs = facts["toolchains"].get(name)
        if theirs is None:
            return f"node {node}: no {get_language(name).display_name} toolchain ({get_language(name).install_hint()})"
        if theirs != version:
            return f"node {node}: {get_language(name).display_name} is {theirs!r}, the driver's is {version!r}"
    if facts["sandbox"] != expected["sandbox"]:
        return f"node {node}: sandbox mode {facts['sandbox']}, the driver's is {expected['sandbox']} (docs/sandbox.md)"
    if expected["hardened"] and not facts["hardened"]:
        return f"node {node}: the sandbox self-test failed ({facts['selftest']})"
    if facts["cgroups"] != expected["cgroups"]:
        have = "has" if facts["cgroups"] else "lacks"
        return f"node {node}: {have} the pids/memory cgroups the driver {'lacks' if facts['cgroups'] else 'has'}"
    if not facts["scratch"]:
        return f"node {node}: cannot write to the scratch directory {expected['scratch_root']} (docs/environment.md)"
    if facts["code"] != expected["code"]:
        return f"node {node}: runs other execution code ({facts['code']}, the driver's {expected['code']})"
    return None


class NodeExecutor:
    """Runs batches of (key, language, program) under `limits`, `workers` at a time, through one
    warm pool kept for the actor's life (batches overlap: the actor is threaded)."""

    def __init__(self, settings: HostSettings, limits: Limits, execution: str, workers: int):
        self.settings, self.limits, self.execution = settings, limits, execution
        # The driver's settings for the actor's whole life, applied once: the warm pool's threads
        # read them (mplt/settings.py), and pushing them per batch from overlapping threads could
        # leave the stack empty for a moment. `close` takes them off.
        self._held = applied(settings)
        self._held.__enter__()
        self._threads = ThreadPoolExecutor(max_workers=max(1, workers))
        self._warm: WarmPool | None = None
        self._lock = threading.Lock()

    def facts(self, languages: tuple[str, ...]) -> dict:
        return node_facts(languages, self.settings)

    def run_batch(self, batch: list[tuple[str, str, str]]) -> list[tuple[str, dict]]:
        """[(key, fields)] for every (key, language, program) of `batch`, in its order."""
        run = self._runner()
        futures = [(key, self._threads.submit(run, language, program)) for key, language, program in batch]
        out = []
        for key, future in futures:
            fields = future.result().to_record()
            out.append((key, {name: fields[name] for name in SENT_FIELDS}))
        return out

    def _runner(self):
        def cold(language, program):
            return run_program(language, program, self.limits)
        if self.execution != "warm":
            return cold
        with self._lock:
            if self._warm is None:
                self._warm = WarmPool(self.limits, cold=cold)
            return self._warm.run

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        with self._lock:
            if self._warm is not None:
                self._warm.close()
                self._warm = None
            held, self._held = self._held, None
        if held is not None:
            held.__exit__(None, None, None)
