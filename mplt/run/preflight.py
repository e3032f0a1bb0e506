"""Checks before a run starts, each failing fast with one line instead of hanging.

* A profile that needs the Hugging Face Hub, on a machine where it is off (`HF_HUB_OFFLINE=1`):
  fine if every model and dataset it names is already in the local cache, otherwise an error that
  says how to turn the Hub on. With the Hub on but unreachable, a 5-second probe fails instead of
  transformers' ~50 s of retries (docs/runtime.md, section 3.4).
* With the Hub on: access to every model and dataset revision the profile names (a gated dataset
  without a token, a revision that does not exist), `mplt.run.hub_access`.
* A profile that needs a GPU, without CUDA.
* A profile whose `[evaluate]` runs under the `paper` protocol without a local copy: its prompt files
  are fetched from GitHub (and checked against their sha256) now, not after the first GPU hour
  (mplt.benchmarks.paper_prompts).
* The host settings (mplt/settings.py; `MPLT_SANDBOX`, `MPLT_SCRATCH` and the others feed their
  defaults, docs/environment.md), for every command that runs programs: a bad value is one line before the first program, not a traceback or a mode silently
  ignored in the middle of a stage (docs/bad-input.md).
"""
from __future__ import annotations

from mplt.errors import MpltError
from mplt.run.environment import cached_commit, hub_offline
from mplt.run.profiles import Profile
from mplt.settings import current

HUB_URL = "https://huggingface.co/api/models/bigcode/starcoderbase-1b"


def _split(ref: str) -> tuple[str, str]:
    repo, _, revision = ref.partition("@")
    return repo, revision or "main"


def missing_from_cache(profile: Profile) -> list[str]:
    missing = [ref for ref in profile.run.hub_models if not cached_commit(*_split(ref), "model")]
    missing += [ref for ref in profile.run.hub_datasets if not cached_commit(*_split(ref), "dataset")]
    return missing


def hub_reachable(timeout_s: float = 5.0) -> bool:
    import urllib.error
    import urllib.request
    try:
        urllib.request.urlopen(urllib.request.Request(HUB_URL, method="HEAD"), timeout=timeout_s)
        return True
    except urllib.error.HTTPError:
        return True          # the Hub answered (e.g. 401 for a gated model): it is reachable
    except (urllib.error.URLError, OSError, ValueError):
        return False


def check_hub(profile: Profile, *, probe=hub_reachable) -> None:
    if not profile.run.needs_hub:
        return
    missing = missing_from_cache(profile)
    if not missing:
        return
    if hub_offline():
        raise MpltError(f"profile {profile.name} downloads {', '.join(missing)} from the Hugging Face Hub, but "
                        f"HF_HUB_OFFLINE=1: run `make reproduce PROFILE={profile.name} HF_OFFLINE=0` (or fill the "
                        "HF cache on a connected machine and copy it here)")
    if not probe():
        raise MpltError(f"profile {profile.name} needs the Hugging Face Hub ({', '.join(missing)}), which does not "
                        "answer from this machine; fill the HF cache elsewhere and run with HF_HUB_OFFLINE=1")


def check_hub_access_if_online(profile: Profile, run_dir=None) -> None:
    """Offline, `check_hub` already required every ref in the local cache; online, ask the Hub."""
    if profile.run.needs_hub and not hub_offline():
        from mplt.run.hub_access import check_hub_access
        check_hub_access(profile, run_dir)


def check_gpu(profile: Profile, *, cuda_available: bool | None = None, diagnosis=None) -> None:
    """A GPU profile needs CUDA; without it, say why when we can tell (torch's CUDA build against the
    driver's, `mplt.cuda_driver`: the driver the build needs, and the TORCH_SPEC for the driver found)."""
    if not profile.run.needs_gpu:
        return
    if diagnosis is None and cuda_available is None:
        from mplt.cuda_driver import diagnose_this_machine
        diagnosis = diagnose_this_machine()
    available = diagnosis.available if diagnosis is not None else cuda_available
    if not available:
        why = f": {diagnosis.problem}" if diagnosis is not None and diagnosis.problem else ""
        if diagnosis is not None and not diagnosis.problem and diagnosis.needs_driver:
            # no nvidia-smi answered: say what driver torch's build will need
            why = (f" (nvidia-smi found no NVIDIA driver; torch {diagnosis.torch_version}'s CUDA "
                   f"{diagnosis.torch_cuda} build needs {diagnosis.needs_driver})")
        raise MpltError(f"profile {profile.name} needs a CUDA GPU and none was found{why}; "
                        "or use --profile smoke on CPU")


def check_execution_settings() -> None:
    """The host settings in force (mplt/settings.py) are valid: resolving them from the environment's
    defaults checks $MPLT_SANDBOX, $MPLT_SCRATCH and the others in one line each (docs/bad-input.md);
    a command's applied settings were checked when they were built."""
    current()


def fetch_prompt_files(profile: Profile) -> None:
    """Download (or find in the cache) the prompt files of a `paper`-protocol evaluation; a rehearsal
    or a profile with `benchmark_path` reads its local copy and needs nothing. Files in a repository
    (a benchmark whose source is `RepoFiles`, mplt.benchmarks.contract) are fetched before the run;
    Hub datasets are the Hub check's business."""
    evaluate = profile.tables.get("evaluate") or {}
    if evaluate.get("benchmark_path"):
        return
    from mplt.benchmarks import DEFAULT_BENCHMARK, BenchmarkOptions, get_benchmark
    from mplt.benchmarks.contract import RepoFiles
    from mplt.evaluation.protocols import get_protocol
    from mplt.langs import TARGETS
    protocol = get_protocol(evaluate.get("protocol", "multipl-e"), "[evaluate] protocol")
    benchmark = get_benchmark(protocol.benchmark or evaluate.get("benchmark", DEFAULT_BENCHMARK))
    if not isinstance(benchmark.source, RepoFiles):
        return
    for lang in evaluate.get("langs") or TARGETS:
        benchmark.load(lang, BenchmarkOptions(limit=1))
