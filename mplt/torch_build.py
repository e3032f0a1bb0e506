"""Which torch is installed, as scripts/setup.sh needs to know it (docs/runtime.md, section 2.2).

    python -m mplt.torch_build      # one line: the requirement that keeps it, and its kind
    torch==2.13.0 cuda

setup.sh installs vLLM next to the installed torch and must stop pip from replacing it, so it pins
torch by its *distribution* version (`importlib.metadata`): `2.13.0` for PyPI's CUDA build,
`2.13.0+cpu` for the CPU wheel of pytorch.org's index. `torch.__version__` is no such pin: PyPI's
CUDA build reports `2.13.0+cu130`, a version no index publishes under that name, so pip finds no
`torch==2.13.0+cu130` and the vLLM install fails with "conflicting dependencies". The kind (`cpu`,
`cuda`, `rocm`) comes from `torch.version`, not from the version string.
"""
from __future__ import annotations

import sys


def torch_requirement(distribution_version: str) -> str:
    """The pip requirement that the installed distribution satisfies exactly."""
    return f"torch=={distribution_version}"


def build_kind(cuda: str | None, hip: str | None) -> str:
    """`cuda`, `rocm` or `cpu`, from `torch.version.cuda` and `torch.version.hip`."""
    if cuda:
        return "cuda"
    return "rocm" if hip else "cpu"


def main() -> int:
    from importlib.metadata import PackageNotFoundError, version
    try:
        installed = version("torch")
        import torch
    except (PackageNotFoundError, ImportError) as e:
        print(f"error: torch is not installed in {sys.prefix} ({e})", file=sys.stderr)
        return 1
    print(torch_requirement(installed), build_kind(torch.version.cuda, getattr(torch.version, "hip", None)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
