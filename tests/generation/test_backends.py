"""The backend registry and the backend-neutral streaming: resume by id and the settings check
hold for any backend (a scripted stand-in here), and every sampling stage builds one SamplingConfig."""
from __future__ import annotations

import argparse
import dataclasses
import json
import re

import pytest

from mplt.config import config_from_dict, config_to_dict
from mplt.errors import MpltError
from mplt.evaluation.config import EvalConfig
from mplt.evaluation.stage import EvaluateStageConfig
from mplt.generation import Backend, SamplingConfig, stream_completions
from mplt.generation.config import STAGE_KEYS, sampling_from_arguments
from mplt.generation.backends.base import Sampled
from mplt.generation.records import completion_record
from mplt.generation import backends
from mplt.pipeline import testgen
from mplt.pipeline.translate import TranslateConfig

CONFIG = SamplingConfig(n=2, temperature=0.8, max_new_tokens=8, seed=3)
STAGE_CONFIGS = (testgen.TestgenConfig, TranslateConfig, EvaluateStageConfig, EvalConfig)


class ScriptedBackend(Backend):
    """Completions `<id>/<j>`; remembers which prompts it was asked for."""
    name = "scripted"

    def __init__(self):
        self.asked: list[str] = []

    def run(self, batches):
        for batch in batches:
            for request in reversed(batch):     # any order: the stream restores input order
                yield [request], self.sample([request])

    def sample(self, batch):
        self.asked.extend(r.id for r in batch)
        return [Sampled(tuple(f"{r.id}/{j}" for j in range(r.first, r.first + r.count))) for r in batch]


def prompts(k: int) -> list[dict]:
    return [{"id": f"p{i}", "prompt": "x", "stop_tokens": []} for i in range(k)]


def test_unknown_backend_is_one_line_listing_the_known_ones():
    known = ", ".join([*backends.BACKENDS, backends.AUTO])
    with pytest.raises(MpltError, match=rf"unknown backend 'nope'; known: {re.escape(known)}$"):
        SamplingConfig(backend="nope")
    with pytest.raises(MpltError, match=r"^\[testgen\] backend: unknown backend 'nope'; known: hf"):
        config_from_dict(testgen.TestgenConfig, {"backend": "nope"}, "[testgen]")
    with pytest.raises(MpltError, match=r"^\[evaluate\] backend: unknown backend"):
        config_from_dict(EvaluateStageConfig, {"base_model": "m", "backend": "x"}, "[evaluate]")
    args = argparse.Namespace(**{**dataclasses.asdict(SamplingConfig()), "backend": "x"})
    with pytest.raises(MpltError, match=r"^eval --backend: unknown backend"):
        sampling_from_arguments(args, "eval")


@pytest.mark.parametrize("cls", STAGE_CONFIGS, ids=lambda c: c.__name__)
def test_every_sampling_stage_nests_one_sampling_config_under_flat_keys(cls):
    table = {"n": 3, "temperature": 0.5, "top_p": 0.9, "max_new_tokens": 7, "batch_size": 2, "seed": 4,
             "backend": "hf", "base_url": "", "replicas": 0, "tensor_parallel_size": 1,
             **({"model": "m"} if cls is EvalConfig else {})}
    config = config_from_dict(cls, table)
    assert config.sampling == SamplingConfig(n=3, temperature=0.5, top_p=0.9, max_new_tokens=7, batch_size=2, seed=4)
    saved = config_to_dict(config)
    assert {key: saved[key] for key in STAGE_KEYS} == {key: table[key] for key in STAGE_KEYS}
    assert "sampling" not in saved and config_from_dict(cls, saved) == config
    assert config_from_dict(cls, {"model": "m"} if cls is EvalConfig else {}).sampling == cls(
        **({"model": "m"} if cls is EvalConfig else {})).sampling   # the stage's own defaults


def test_a_sampling_key_of_the_wrong_type_or_value_names_the_table():
    with pytest.raises(MpltError, match=r"^\[translate\] n: expected"):
        config_from_dict(TranslateConfig, {"n": "many"}, "[translate]")
    with pytest.raises(MpltError, match=r"^\[translate\] n must be >= 1"):
        config_from_dict(TranslateConfig, {"n": 0}, "[translate]")
    with pytest.raises(MpltError, match=r"unknown setting\(s\) nn; known: .*\bn\b.*temperature"):
        config_from_dict(TranslateConfig, {"nn": 1}, "[translate]")


def test_stream_restores_order_resumes_by_id_and_checks_settings(tmp_path):
    out = tmp_path / "samples.jsonl"
    backend = ScriptedBackend()
    first = stream_completions(backend, prompts(2), CONFIG, out, progress=False)
    assert [r["id"] for r in first] == ["p0", "p1"] and first[1]["completions"] == ["p1/0", "p1/1"]
    backend.asked.clear()
    again = stream_completions(backend, prompts(3), CONFIG, out, progress=False)
    assert backend.asked == ["p2"] and [r["id"] for r in again] == ["p0", "p1", "p2"]
    assert [json.loads(line)["backend"] for line in out.read_text().splitlines()] == ["hf"] * 3
    for change in ({"seed": 4}, {"n": 3}, {"temperature": 0.2}):
        with pytest.raises(MpltError, match=f"sampled with {next(iter(change))}="):
            stream_completions(backend, prompts(3), dataclasses.replace(CONFIG, **change), out, progress=False)


def test_a_file_without_backend_fields_was_written_by_hf(tmp_path, monkeypatch):
    out = tmp_path / "samples.jsonl"
    record = completion_record(prompts(1)[0], CONFIG, ["old"], None, 1)
    del record["backend"]
    out.write_text(json.dumps(record) + "\n")
    backend = ScriptedBackend()
    assert stream_completions(backend, prompts(1), CONFIG, out, progress=False)[0]["completions"] == ["old"]
    assert backend.asked == []
    monkeypatch.setitem(backends.BACKENDS, "other", "unused.module")
    with pytest.raises(MpltError, match="sampled with backend='hf', not 'other'"):
        stream_completions(backend, prompts(1), dataclasses.replace(CONFIG, backend="other"), out, progress=False)


def test_eval_flags_come_from_the_sampling_config():
    import argparse
    from mplt.commands.evaluate import add_arguments, build_config
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--model", "m", "--out", "o", "--langs", "lua", "--n", "3", "--top-p", "0.5"])
    config = build_config(args)
    assert (config.sampling.n, config.sampling.top_p, config.sampling.backend, config.sampling.max_new_tokens) == \
        (3, 0.5, "hf", 512)


def test_replicas_and_tensor_parallel_size_reach_the_engines(monkeypatch):
    """The placement settings travel from the flat keys through ModelOptions to vLLM's engine arguments
    and to the Ray backend's replica count (docs/cluster.md, section 3)."""
    from mplt.generation.backends import vllm as vllm_backend
    config = config_from_dict(EvalConfig, {"model": "m", "backend": "vllm", "replicas": 3, "tensor_parallel_size": 2})
    options = config.model_options()
    assert (options.replicas, options.tensor_parallel_size) == (3, 2)
    seen = {}

    def engine(source, revision, opts, rank, engine_args):
        seen.update(engine_args)
        raise MpltError("stop here")
    monkeypatch.setattr(vllm_backend, "_engine", engine)
    with pytest.raises(MpltError, match="stop here"):
        vllm_backend.open_backend(dataclasses.replace(options, model="starcoderbase-1b"))
    assert seen == {"tensor_parallel_size": 2}
    with pytest.raises(MpltError, match="replicas must be >= 0"):
        SamplingConfig(replicas=-1)
    with pytest.raises(MpltError, match="tensor_parallel_size >= 1"):
        SamplingConfig(tensor_parallel_size=0)
