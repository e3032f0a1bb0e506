"""Torch's CUDA build against the NVIDIA driver (README, "GPU: torch and the driver").

PyPI's `torch==2.13.0` for Linux x86_64 is a CUDA 13.0 build; each CUDA build needs a minimum driver.
On an older driver `nvidia-smi` works but `torch.cuda.is_available()` is False, and a GPU profile used
to stop with "no CUDA GPU". `nvidia-smi` prints the driver's version ("Driver Version: 550.54.15")
and the highest CUDA version it supports ("CUDA Version: 12.4"). doctor and the run's preflight
name the driver torch's build needs (`required_driver`), and, when the driver found is older, the
`TORCH_SPEC` of a build it runs (`build_for_driver`, `torch_spec`). `make setup` reinstalls torch when
TORCH_SPEC changes.

The driver minimums are NVIDIA's (README, "GPU: torch and the driver", lists the sources): a CUDA
13.x build needs driver >= 580, a 12.x build >= 525 through CUDA minor version compatibility ("CUDA Compatibility", Table 1,
docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html), and each release
ships with its own, newer driver (CUDA Toolkit release notes, "CUDA Toolkit and Corresponding
Driver Versions"), with which every feature of that release works.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CUDA_VERSION = re.compile(r"CUDA Version:\s*(\d+)\.(\d+)")
_DRIVER_VERSION = re.compile(r"Driver Version:\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?")
# A CUDA major release: the oldest driver branch its builds run on (minor version compatibility).
FAMILY_MINIMUM = {13: 580, 12: 525, 11: 450}
# A CUDA release: the Linux driver it ships with (toolkit release notes, GA rows); newer CUDA
# features (e.g. PTX compiled by this release) need it, plain library kernels run from the family minimum.
TOOLKIT_DRIVER = {"13.0": "580.65.06", "12.9": "575.51.03", "12.8": "570.26", "12.6": "560.28.03",
                  "12.4": "550.54.14", "12.1": "530.30.02"}
# The CUDA builds pytorch.org's index offered for the torch 2.9 releases (its "previous versions"
# page: cu126, cu128, cu130); that 2.13.0 has the same ones is not confirmed (README, "GPU: torch
# and the driver", says how to check). Newest first.
PYTORCH_BUILDS = ("13.0", "12.8", "12.6")


@dataclass(frozen=True)
class CudaDiagnosis:
    torch_version: str
    torch_cuda: str | None         # torch.version.cuda, None for a CPU build
    driver_cuda: str | None        # the driver's highest CUDA version, None without nvidia-smi
    available: bool                # torch.cuda.is_available()
    problem: str | None            # one sentence with the fix, None when nothing is wrong
    driver_version: str | None = None   # "550.54.15" from nvidia-smi
    needs_driver: str | None = None     # what torch's CUDA build needs, in words (None: a CPU build)
    torch_spec: str | None = None       # TORCH_SPEC of the build this driver runs, when it is not installed


def nvidia_smi() -> str:
    """nvidia-smi's output, "" when it is missing or fails."""
    from mplt.tools import run_tool
    result = run_tool(["nvidia-smi"], timeout=20)
    return result.stdout if result is not None and result.returncode == 0 else ""


def driver_cuda_version(nvidia_smi_output: str | None = None) -> str | None:
    """"12.4" from nvidia-smi's header; None when nvidia-smi is missing or prints no CUDA version."""
    if nvidia_smi_output is None:
        nvidia_smi_output = nvidia_smi()
    match = _CUDA_VERSION.search(nvidia_smi_output or "")
    return f"{match.group(1)}.{match.group(2)}" if match else None


def driver_version(nvidia_smi_output: str | None = None) -> str | None:
    """"550.54.15" from nvidia-smi's header; None when nvidia-smi is missing or prints none."""
    if nvidia_smi_output is None:
        nvidia_smi_output = nvidia_smi()
    match = _DRIVER_VERSION.search(nvidia_smi_output or "")
    return ".".join(g for g in match.groups() if g is not None) if match else None


def required_driver(torch_cuda: str) -> str:
    """What a torch build for CUDA `torch_cuda` needs, e.g. "NVIDIA driver >= 580 (CUDA 13.x; ...)"."""
    major = _version(torch_cuda)[0]
    family = FAMILY_MINIMUM.get(major)
    own = TOOLKIT_DRIVER.get(".".join(torch_cuda.split(".")[:2]))
    if family is None:
        return f"an NVIDIA driver for CUDA {torch_cuda} (see NVIDIA's CUDA Toolkit release notes)"
    text = f"NVIDIA driver >= {family} (the minimum for CUDA {major}.x builds"
    return text + (f"; CUDA {torch_cuda} ships with {own})" if own else ")")


def _driver_major(version: str) -> int:
    return int(version.split(".")[0])


def build_for_driver(driver: str | None, driver_cuda: str | None) -> tuple[str, str] | None:
    """(CUDA build, why) of the pytorch.org build to install for this driver: the newest no newer
    than the CUDA version the driver reports; else the oldest newer one of the same major release,
    which runs through minor version compatibility; None when the driver is too old for all of them."""
    if driver_cuda is not None:
        fitting = [b for b in PYTORCH_BUILDS if _version(b) <= _version(driver_cuda)]
        if fitting:
            return fitting[0], f"the newest build no newer than the driver's CUDA {driver_cuda}"
        # a driver reporting CUDA M.x is at least M's family minimum
        compatible = [b for b in PYTORCH_BUILDS if _version(b)[0] == _version(driver_cuda)[0]]
    elif driver is not None:
        compatible = [b for b in PYTORCH_BUILDS if FAMILY_MINIMUM.get(_version(b)[0], 10**6) <= _driver_major(driver)]
    else:
        return None
    if driver is not None:
        compatible = [b for b in compatible if FAMILY_MINIMUM.get(_version(b)[0], 10**6) <= _driver_major(driver)]
    if not compatible:
        return None
    build = compatible[-1]
    return build, (f"through CUDA minor version compatibility, which needs driver >= "
                   f"{FAMILY_MINIMUM[_version(build)[0]]}")


def torch_spec(torch_version: str, cuda_build: str) -> str:
    """TORCH_SPEC for torch `torch_version` built for CUDA `cuda_build` from pytorch.org's index. The
    exact local version (`+cuXY`) makes pip replace an installed build of the same version."""
    base = torch_version.split("+")[0]
    tag = "cu" + cuda_build.replace(".", "")
    return f"torch=={base}+{tag} --index-url https://download.pytorch.org/whl/{tag}"


def fix_command(torch_version: str, driver_cuda: str | None, driver: str | None = None,
                installed_cuda: str | None = None) -> str:
    """The reinstall command for a build this driver runs, or which driver to install when no
    pytorch.org build (other than the installed one) runs on it."""
    build = build_for_driver(driver, driver_cuda)
    if build is None:
        oldest = PYTORCH_BUILDS[-1]
        return (f"update the NVIDIA driver: no build pytorch.org offers runs on it (the oldest, CUDA {oldest}, "
                f"needs driver >= {FAMILY_MINIMUM[_version(oldest)[0]]})")
    if installed_cuda and build[0] == ".".join(installed_cuda.split(".")[:2]):
        own = TOOLKIT_DRIVER.get(build[0])
        return f"update the NVIDIA driver{f' to {own} or newer (what CUDA {build[0]} ships with)' if own else ''}"
    cuda, why = build
    return f'TORCH_SPEC="{torch_spec(torch_version, cuda)}" make setup (CUDA {cuda}: {why})'


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def diagnose_cuda(torch_version: str, torch_cuda: str | None, driver_cuda: str | None,
                  available: bool, driver: str | None = None) -> CudaDiagnosis:
    """What is wrong, if anything, between torch's CUDA build and the driver (nvidia-smi's
    `driver` version and `driver_cuda`), with the fix."""
    needs = required_driver(torch_cuda) if torch_cuda else None
    found = f"driver {driver}" if driver else f"the driver (CUDA {driver_cuda})"
    build = build_for_driver(driver, driver_cuda) if (driver or driver_cuda) else None
    spec = torch_spec(torch_version, build[0]) if build else None
    if spec and torch_cuda and build[0] == ".".join(torch_cuda.split(".")[:2]):
        spec = None   # the installed build is the one to have
    problem = None
    if (driver_cuda is not None or driver is not None) and not available:
        fix = fix_command(torch_version, driver_cuda, driver)
        if torch_cuda is None:
            problem = (f"torch {torch_version} is a CPU build, but this machine has an NVIDIA {found}: "
                       f"install a CUDA build: {fix}")
        elif _too_old(torch_cuda, driver, driver_cuda):
            fix = fix_command(torch_version, driver_cuda, driver, torch_cuda)
            either = "" if fix.startswith("update") else "update the driver, or install a build it runs: "
            problem = (f"torch {torch_version} is built for CUDA {torch_cuda} and needs {needs}, found {found}"
                       f"{f' (CUDA {driver_cuda})' if driver and driver_cuda else ''}: {either}{fix}")
        else:
            problem = (f"torch {torch_version} (CUDA {torch_cuda}) should run on {found}, but torch sees no GPU: "
                       "check CUDA_VISIBLE_DEVICES and `nvidia-smi`")
    elif driver_cuda is not None and torch_cuda is not None and _version(torch_cuda) > _version(driver_cuda):
        problem = (f"torch {torch_version} is built for CUDA {torch_cuda}, newer than the driver's CUDA {driver_cuda}; "
                   f"it works now (minor-version compatibility), if it stops: "
                   f"{fix_command(torch_version, driver_cuda, driver, torch_cuda)}")
    return CudaDiagnosis(torch_version, torch_cuda, driver_cuda, available, problem, driver, needs, spec)


def _too_old(torch_cuda: str, driver: str | None, driver_cuda: str | None) -> bool:
    """The driver cannot run torch's build: below its major release's minimum, or (without a driver
    version) reporting an older CUDA."""
    if driver is not None:
        return _driver_major(driver) < FAMILY_MINIMUM.get(_version(torch_cuda)[0], 0)
    return driver_cuda is not None and _version(torch_cuda) > _version(driver_cuda)


def diagnose_this_machine() -> CudaDiagnosis:
    import torch
    output = nvidia_smi()
    return diagnose_cuda(torch.__version__, torch.version.cuda, driver_cuda_version(output),
                         torch.cuda.is_available(), driver_version(output))
