"""Torch's CUDA build against the driver, in doctor and the preflight (README, "GPU: torch and the driver")."""
import pytest

from mplt.cuda_driver import diagnose_cuda, driver_cuda_version
from mplt.errors import MpltError

NVIDIA_SMI = """Tue Dec  1 10:00:00 2026
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+
"""


def test_driver_cuda_version_from_nvidia_smi():
    assert driver_cuda_version(NVIDIA_SMI) == "12.4"
    assert driver_cuda_version("") is None and driver_cuda_version("NVIDIA-SMI has failed") is None


def test_torch_built_for_a_newer_cuda_than_the_driver_gets_the_fix():
    d = diagnose_cuda("2.13.0+cu130", "13.0", "12.4", available=False)
    assert "built for CUDA 13.0, newer than the CUDA 12.4" in d.problem
    assert 'TORCH_SPEC="torch==2.13.0+cu124 --index-url https://download.pytorch.org/whl/cu124" make setup' in d.problem


def test_cpu_build_on_a_gpu_machine_and_healthy_setups():
    assert "is a CPU build" in diagnose_cuda("2.13.0+cpu", None, "12.4", available=False).problem
    assert diagnose_cuda("2.13.0", "12.4", "12.6", available=True).problem is None
    assert diagnose_cuda("2.13.0+cpu", None, None, available=False).problem is None     # no driver: plain CPU
    assert "minor-version" in diagnose_cuda("2.13.0", "12.8", "12.4", available=True).problem


def test_preflight_names_the_mismatch(tmp_path):
    from mplt.run.preflight import check_gpu
    from mplt.run.profiles import load_profile
    d = diagnose_cuda("2.13.0+cu130", "13.0", "12.4", available=False)
    with pytest.raises(MpltError, match=r"needs a CUDA GPU and none was found: torch 2\.13\.0\+cu130 is built for "
                                        r"CUDA 13\.0.*TORCH_SPEC="):
        check_gpu(load_profile("scaled", tmp_path, filter_langs=False), diagnosis=d)


def test_doctor_reports_the_versions(monkeypatch):
    import mplt.cuda_driver as cuda_driver
    from mplt.doctor import check_gpu
    monkeypatch.setattr(cuda_driver, "driver_cuda_version", lambda *a: "12.4")
    gpu = check_gpu()
    assert {"torch_cuda", "driver_cuda", "problem"} <= set(gpu) and gpu["driver_cuda"] == "12.4"
    # A fake driver and no GPU seen: doctor names the fix for whichever torch build is installed
    # (the CPU wheel on our machines, PyPI's CUDA build in the Docker image).
    import torch
    if gpu["available"]:
        return
    if torch.version.cuda is None:
        assert "is a CPU build" in gpu["problem"]
    else:
        assert f"torch {torch.__version__}" in gpu["problem"] and "CUDA 12.4" in gpu["problem"]
