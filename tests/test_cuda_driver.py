"""Torch's CUDA build against the driver, in doctor and the preflight (README, "GPU: torch and the
driver"), from recorded nvidia-smi headers (the format nvidia-smi prints; no GPU here)."""
import pytest

from mplt.cuda_driver import diagnose_cuda, driver_cuda_version, driver_version, required_driver
from mplt.errors import MpltError


def smi(driver: str, cuda: str) -> str:
    """An nvidia-smi header as the driver prints it."""
    return ("Tue Dec  1 10:00:00 2026\n"
            "+-----------------------------------------------------------------------------------------+\n"
            f"| NVIDIA-SMI {driver:<22} Driver Version: {driver:<14} CUDA Version: {cuda:<9}|\n"
            "|-----------------------------------------+------------------------+----------------------+\n")


NVIDIA_SMI_550 = smi("550.54.15", "12.4")
NVIDIA_SMI_570 = smi("570.86.10", "12.8")
NVIDIA_SMI_580 = smi("580.65.06", "13.0")
NVIDIA_SMI_520 = smi("520.61.05", "11.8")


def diagnose(torch_version, torch_cuda, output, available):
    return diagnose_cuda(torch_version, torch_cuda, driver_cuda_version(output), available, driver_version(output))


def test_driver_and_cuda_versions_from_nvidia_smi():
    assert driver_cuda_version(NVIDIA_SMI_550) == "12.4" and driver_version(NVIDIA_SMI_550) == "550.54.15"
    assert driver_version(NVIDIA_SMI_570) == "570.86.10" and driver_cuda_version(NVIDIA_SMI_580) == "13.0"
    for broken in ("", "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver"):
        assert driver_cuda_version(broken) is None and driver_version(broken) is None


def test_the_driver_each_cuda_build_needs():
    assert required_driver("13.0").startswith("NVIDIA driver >= 580") and "580.65.06" in required_driver("13.0")
    assert required_driver("12.8").startswith("NVIDIA driver >= 525") and "570.26" in required_driver("12.8")
    assert "560.28.03" in required_driver("12.6")


def test_pypi_torch_on_an_older_driver_names_the_driver_and_a_torch_spec():
    d = diagnose("2.13.0", "13.0", NVIDIA_SMI_550, available=False)
    assert "built for CUDA 13.0 and needs NVIDIA driver >= 580" in d.problem
    assert "found driver 550.54.15 (CUDA 12.4)" in d.problem
    spec = "torch==2.13.0+cu126 --index-url https://download.pytorch.org/whl/cu126"
    assert d.torch_spec == spec and f'TORCH_SPEC="{spec}" make setup' in d.problem
    assert "\n" not in d.problem


def test_cpu_build_on_a_gpu_machine_gets_the_build_of_its_driver():
    d = diagnose("2.13.0+cpu", None, NVIDIA_SMI_570, available=False)
    assert "is a CPU build" in d.problem and d.needs_driver is None
    assert d.torch_spec == "torch==2.13.0+cu128 --index-url https://download.pytorch.org/whl/cu128"


def test_healthy_setups_and_a_driver_too_old_for_every_build():
    ok = diagnose("2.13.0", "13.0", NVIDIA_SMI_580, available=True)
    assert ok.problem is None and ok.torch_spec is None and ok.needs_driver.startswith("NVIDIA driver >= 580")
    assert diagnose("2.13.0+cpu", None, "", available=False).problem is None     # no driver: plain CPU
    old = diagnose("2.13.0", "13.0", NVIDIA_SMI_520, available=False)
    assert "no build pytorch.org offers runs on it" in old.problem and old.torch_spec is None
    compat = diagnose("2.13.0+cu126", "12.6", NVIDIA_SMI_550, available=True)
    assert "minor-version" in compat.problem and "560.28.03" in compat.problem


def test_preflight_names_the_driver_and_the_torch_spec(tmp_path):
    from mplt.run.preflight import check_gpu
    from mplt.run.profiles import load_profile
    profile = load_profile("scaled", tmp_path, filter_langs=False)
    with pytest.raises(MpltError, match=r"needs a CUDA GPU and none was found: torch 2\.13\.0 is built for CUDA 13\.0 "
                                        r"and needs NVIDIA driver >= 580.*TORCH_SPEC=\"torch==2\.13\.0\+cu126"):
        check_gpu(profile, diagnosis=diagnose("2.13.0", "13.0", NVIDIA_SMI_550, available=False))
    with pytest.raises(MpltError, match=r"found no NVIDIA driver; torch 2\.13\.0's CUDA 13\.0 build needs "
                                        r"NVIDIA driver >= 580"):
        check_gpu(profile, diagnosis=diagnose("2.13.0", "13.0", "", available=False))


def test_doctor_reports_the_driver_and_the_torch_spec(monkeypatch):
    import mplt.cuda_driver as cuda_driver
    from mplt.doctor import check_gpu
    monkeypatch.setattr(cuda_driver, "nvidia_smi", lambda: NVIDIA_SMI_550)
    gpu = check_gpu()
    assert {"torch_cuda", "driver_cuda", "driver_version", "needs_driver", "torch_spec", "problem"} <= set(gpu)
    assert gpu["driver_version"] == "550.54.15" and gpu["driver_cuda"] == "12.4"
    assert "NVIDIA driver 550.54.15" in gpu["detail"]
    # A recorded driver and no GPU seen: doctor names the fix for whichever torch build is installed
    # (the CPU wheel on our machines, PyPI's CUDA build in the Docker image).
    import torch
    if gpu["available"]:
        return
    assert gpu["torch_spec"].endswith("/whl/cu126")
    if torch.version.cuda is None:
        assert "is a CPU build" in gpu["problem"]
    else:
        assert f"torch {torch.__version__}" in gpu["problem"] and "550.54.15" in gpu["problem"]


def test_doctor_command_prints_the_driver_lines(monkeypatch, capsys):
    import mplt.cuda_driver as cuda_driver
    import torch
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    from mplt import doctor
    from mplt.commands import doctor as doctor_command
    monkeypatch.setattr(cuda_driver, "nvidia_smi", lambda: NVIDIA_SMI_550)
    report = {"gpu": doctor.check_gpu()}
    doctor_command.print_gpu(report["gpu"])
    out = " ".join(capsys.readouterr().out.split())
    assert 'for the driver found: TORCH_SPEC="torch==2.13.0+cu126' in out
