"""Preflight: can this machine download every model and dataset revision the profile needs?
(README, "Hub access"). Runs before any work, after `preflight.check_hub` decided the Hub is on.

* The token is read the way huggingface_hub reads it (`huggingface_hub.get_token`: `HF_TOKEN`, then
  the file `hf auth login` writes); transformers and datasets find the same token by themselves.
* Each `repo@revision` is checked with `model_info` / `dataset_info(revision=...)`: a revision that
  does not exist fails here, not after an hour of other stages.
* A gated repository (e.g. the `nuprl/MultiPL-T` dataset, whose card has `extra_gated_prompt`) also
  gets `auth_check`: its metadata is public, but its files need a token whose user accepted the terms.
Failures are one line: which repository, which revision, what to do.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mplt.errors import MpltError


@dataclass(frozen=True)
class HubRef:
    repo: str
    revision: str
    kind: str          # "model" | "dataset"

    @property
    def page(self) -> str:
        return f"https://huggingface.co/{'datasets/' if self.kind == 'dataset' else ''}{self.repo}"

    def __str__(self) -> str:
        return f"{self.kind} {self.repo}@{self.revision}"


def is_hub_id(name: str) -> bool:
    return name.count("/") == 1 and not name.startswith(("/", ".", "~", "{")) and not Path(name).exists()


def _inside(name: str, run_dir: Path | None) -> bool:
    """A path the run itself creates (`{run}/dataset` with `--run-dir mine` reads `mine/dataset`)."""
    return run_dir is not None and Path(name).resolve().is_relative_to(Path(run_dir).resolve())


def profile_refs(profile, run_dir: Path | None = None) -> list[HubRef]:
    """The profile's declared `hub_models`/`hub_datasets` plus every Hub id its stage tables name
    (paths inside `run_dir`, which the run creates, excluded)."""
    from mplt.run.environment import collect_references
    from mplt.run.profiles import resolved_config
    refs: dict[tuple[str, str, str], None] = {}
    for kind, names in (("model", profile.run.hub_models), ("dataset", profile.run.hub_datasets)):
        for ref in names:
            repo, _, revision = ref.partition("@")
            refs[(repo, revision or "main", kind)] = None
    models, datasets, _ = collect_references(resolved_config(profile))
    for kind, pairs in (("model", models), ("dataset", datasets)):
        for repo, revision in pairs:
            if is_hub_id(repo) and not _inside(repo, run_dir):
                refs[(repo, revision or "main", kind)] = None
    return [HubRef(*key) for key in refs]


def check_hub_access(profile, run_dir: Path | None = None, *, refs: list[HubRef] | None = None) -> dict[str, str]:
    """{str(ref): resolved commit} for every ref, or MpltError naming the first one that fails."""
    from huggingface_hub import HfApi, get_token
    token = get_token()
    api = HfApi()
    resolved = {}
    for ref in refs if refs is not None else profile_refs(profile, run_dir):
        resolved[str(ref)] = _check_one(api, ref, token, profile.name)
    return resolved


def _check_one(api, ref: HubRef, token: str | None, profile_name: str) -> str:
    from huggingface_hub.errors import (GatedRepoError, HfHubHTTPError, RepositoryNotFoundError,
                                        RevisionNotFoundError)
    login = "run `hf auth login` (or set HF_TOKEN)" if not token else "check that your token (HF_TOKEN / `hf auth login`) is the right one"
    info_call = api.dataset_info if ref.kind == "dataset" else api.model_info
    gated = (f"profile {profile_name}: {ref} is gated and "
             f"{'no Hugging Face token was found' if not token else 'your token has no access to it'}: "
             f"{login}, then accept the terms on {ref.page}")
    try:
        info = info_call(ref.repo, revision=ref.revision, token=token or None)
        if getattr(info, "gated", False):
            if not token:
                raise MpltError(gated)
            api.auth_check(ref.repo, repo_type=ref.kind, token=token)
        return getattr(info, "sha", None) or ""
    except GatedRepoError as e:
        raise MpltError(gated) from e
    except RevisionNotFoundError as e:
        raise MpltError(f"profile {profile_name}: {ref}: revision {ref.revision!r} does not exist on the Hub; "
                        f"fix it in the profile (commits: {ref.page}/commits/main)") from e
    except RepositoryNotFoundError as e:
        raise MpltError(f"profile {profile_name}: {ref}: repository not found or private; check the name, "
                        f"or {login} if it is private") from e
    except (HfHubHTTPError, OSError, ValueError) as e:
        raise MpltError(f"profile {profile_name}: cannot check {ref} on the Hub "
                        f"({type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else 'no detail'}); "
                        "rerun when the Hub answers, or fill the HF cache and run with HF_HUB_OFFLINE=1") from e
