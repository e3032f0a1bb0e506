"""Torch's CUDA build against the NVIDIA driver (README, "GPU: torch and the driver").

PyPI's `torch==2.13.0` for Linux x86_64 is a CUDA build; each CUDA release needs a minimum driver
(NVIDIA's CUDA Toolkit release notes, "CUDA Driver" table). On an older driver `nvidia-smi` works but
`torch.cuda.is_available()` is False, and a GPU profile used to stop with "no CUDA GPU". `nvidia-smi`
prints the highest CUDA version its driver supports ("CUDA Version: 12.4" in its header); when
torch's build (`torch.version.cuda`) is newer, or torch is a CPU build on a machine with a driver,
we say so and print the reinstall command. `make setup` reinstalls torch when TORCH_SPEC changes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CUDA_VERSION = re.compile(r"CUDA Version:\s*(\d+)\.(\d+)")


@dataclass(frozen=True)
class CudaDiagnosis:
    torch_version: str
    torch_cuda: str | None         # torch.version.cuda, None for a CPU build
    driver_cuda: str | None        # the driver's highest CUDA version, None without nvidia-smi
    available: bool                # torch.cuda.is_available()
    problem: str | None            # one sentence with the fix, None when nothing is wrong


def driver_cuda_version(nvidia_smi_output: str | None = None) -> str | None:
    """"12.4" from nvidia-smi's header; None when nvidia-smi is missing or prints no CUDA version."""
    if nvidia_smi_output is None:
        from mplt.tools import run_tool
        result = run_tool(["nvidia-smi"], timeout=20)
        nvidia_smi_output = result.stdout if result is not None and result.returncode == 0 else ""
    match = _CUDA_VERSION.search(nvidia_smi_output or "")
    return f"{match.group(1)}.{match.group(2)}" if match else None


def fix_command(torch_version: str, driver_cuda: str) -> str:
    """The reinstall command: a torch build for a CUDA no newer than the driver's. The exact local
    version (`+cuXY`) makes pip replace an installed build of the same version."""
    base = torch_version.split("+")[0]
    tag = "cu" + driver_cuda.replace(".", "")
    return (f'TORCH_SPEC="torch=={base}+{tag} --index-url https://download.pytorch.org/whl/{tag}" make setup '
            f"(or the newest cuXY <= {tag} that pytorch.org lists for torch {base})")


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def diagnose_cuda(torch_version: str, torch_cuda: str | None, driver_cuda: str | None,
                  available: bool) -> CudaDiagnosis:
    problem = None
    if driver_cuda is not None and not available:
        if torch_cuda is None:
            problem = (f"torch {torch_version} is a CPU build, but this machine has an NVIDIA driver (CUDA "
                       f"{driver_cuda}): install a CUDA build: {fix_command(torch_version, driver_cuda)}")
        elif _version(torch_cuda) > _version(driver_cuda):
            problem = (f"torch {torch_version} is built for CUDA {torch_cuda}, newer than the CUDA {driver_cuda} the "
                       f"NVIDIA driver supports: update the driver, or install a matching build: "
                       f"{fix_command(torch_version, driver_cuda)}")
        else:
            problem = (f"torch {torch_version} (CUDA {torch_cuda}) and the driver (CUDA {driver_cuda}) should match, "
                       "but torch sees no GPU: check CUDA_VISIBLE_DEVICES and `nvidia-smi`")
    elif driver_cuda is not None and torch_cuda is not None and _version(torch_cuda) > _version(driver_cuda):
        problem = (f"torch {torch_version} is built for CUDA {torch_cuda}, newer than the driver's CUDA {driver_cuda}; "
                   f"it works now (minor-version compatibility), if it stops: {fix_command(torch_version, driver_cuda)}")
    return CudaDiagnosis(torch_version, torch_cuda, driver_cuda, available, problem)


def diagnose_this_machine() -> CudaDiagnosis:
    import torch
    return diagnose_cuda(torch.__version__, torch.version.cuda, driver_cuda_version(), torch.cuda.is_available())
