"""README "Hub access": the preflight checks every model and dataset revision a profile needs, with
huggingface_hub's functions monkeypatched (no Hub from the test machines)."""
from pathlib import Path
from types import SimpleNamespace

import httpx2
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import GatedRepoError, RevisionNotFoundError

from mplt.errors import MpltError
from mplt.run.hub_access import HubRef, check_hub_access, profile_refs
from mplt.run.profiles import load_profile

GATED = "nuprl/MultiPL-T"


def _response(code):
    return httpx2.Response(code, request=httpx2.Request("GET", "https://huggingface.co/api/x"))


@pytest.fixture
def hub(monkeypatch):
    """A fake Hub: MultiPL-T is gated, one Lua commit is unknown, everything else exists."""
    state = {"token": None, "accepted": False, "missing": set(), "calls": []}

    def info(kind):
        def call(self, repo_id, *, revision=None, token=None, **kwargs):
            state["calls"].append((kind, repo_id, revision, token))
            if revision in state["missing"]:
                raise RevisionNotFoundError(f"Invalid rev id: {revision}", response=_response(404))
            return SimpleNamespace(sha="a" * 40, gated="manual" if repo_id == GATED else False)
        return call

    def auth_check(self, repo_id, *, repo_type=None, token=None, write=False):
        if not state["accepted"]:
            raise GatedRepoError("Access to dataset is restricted", response=_response(403))
    monkeypatch.setattr(HfApi, "model_info", info("model"))
    monkeypatch.setattr(HfApi, "dataset_info", info("dataset"))
    monkeypatch.setattr(HfApi, "auth_check", auth_check)
    monkeypatch.setattr("huggingface_hub.get_token", lambda: state["token"])
    return state


def test_every_revision_of_paper_eval_is_checked(hub, tmp_path):
    profile = load_profile("paper-1b-eval", tmp_path)
    resolved = check_hub_access(profile)
    checked = {(kind, repo, rev) for kind, repo, rev, _ in hub["calls"]}
    assert len([c for c in checked if c[1] == "nuprl/MultiPL-T-StarCoderBase_1b"]) == 5
    # the `paper` protocol reads MultiPL-T's prompt files from GitHub, not MultiPL-E v3.3 from the Hub
    assert not [c for c in checked if c[1] == "nuprl/MultiPL-E"]
    assert ("model", "arjunguha/notstarcoder-1b", "main") in checked and len(resolved) == len(checked)


def test_gated_dataset_without_a_token_fails_in_one_line(hub, tmp_path):
    profile = load_profile("paper-1b-finetune", tmp_path)
    assert HubRef(GATED, "main", "dataset") in profile_refs(profile)
    with pytest.raises(MpltError) as error:
        check_hub_access(profile)
    message = str(error.value)
    assert "\n" not in message and "dataset nuprl/MultiPL-T@main is gated" in message
    assert "no Hugging Face token" in message and "hf auth login" in message
    assert "https://huggingface.co/datasets/nuprl/MultiPL-T" in message


def test_gated_dataset_with_a_token_that_did_not_accept_the_terms(hub, tmp_path):
    hub["token"] = "hf_x"
    profile = load_profile("paper-1b-finetune", tmp_path)
    with pytest.raises(MpltError, match="your token has no access to it: .*accept the terms"):
        check_hub_access(profile)
    hub["accepted"] = True
    assert check_hub_access(profile)
    assert {token for *_, token in hub["calls"]} == {"hf_x"}


def test_a_revision_that_does_not_exist_is_named(hub, tmp_path):
    from mplt.models.registry import MULTIPLT_1B_REVISIONS
    hub["missing"].add(MULTIPLT_1B_REVISIONS["jl"])
    with pytest.raises(MpltError, match=f"nuprl/MultiPL-T-StarCoderBase_1b@{MULTIPLT_1B_REVISIONS['jl']}: "
                                        "revision .* does not exist on the Hub"):
        check_hub_access(load_profile("paper-1b-eval", tmp_path))


def test_run_command_checks_access_before_any_work(hub, tmp_path, monkeypatch):
    from mplt.run import preflight
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    with pytest.raises(MpltError, match="is gated"):
        preflight.check_hub_access_if_online(load_profile("paper-1b-finetune", tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub["calls"].clear()
    preflight.check_hub_access_if_online(load_profile("paper-1b-finetune", tmp_path))
    assert hub["calls"] == []


def test_the_runs_own_dataset_is_not_a_hub_dataset(hub, tmp_path, monkeypatch):
    """scaled fine-tunes on `{run}/dataset`; with `--run-dir mine` that reads `mine/dataset`."""
    monkeypatch.chdir(tmp_path)
    profile = load_profile("scaled", Path("mine"))
    assert profile.tables["finetune"]["data"] == "mine/dataset"
    refs = profile_refs(profile, Path("mine"))
    # its Python functions come from the Hub (the paper's Stage-1 corpus), its fine-tuning data does not
    assert {r.repo for r in refs} == {"arjunguha/notstarcoder-1b", "nuprl/MultiPL-E",
                                      "nuprl/stack-dedup-python-fns-returns-typechecks"}
