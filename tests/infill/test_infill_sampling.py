"""Infill sampling through the generation backends (mplt/infill/sampling.py, docs/generation.md,
"Infill sampling"): the prompt is built in the served model's own format (golden strings and ids),
the middle is cut at the format's sentinel and holds none, and streaming, resume and seeds are
those of left-to-right sampling. Engines are scripted (raw texts or generated ids) or a tiny random
model built here; nothing is downloaded."""
from __future__ import annotations

import dataclasses
import re

import pytest

from mplt.errors import MpltError
from mplt.generation import SamplingConfig, stream_completions
from mplt.generation.backends.base import Backend, Sampled
from mplt.infill import INFILL_FORMATS, get_infill_format
from mplt.models.registry import CODEGEN2_1B, STARCODERBASE_1B

PREFIX, SUFFIX = "def add(a, b):\n", "\n\nprint(add(1, 2))\n"
GOLDEN = {   # docs/codegen2.md, section A.4; the bigcode harness's santacoder_fim.py
    "codegen2": "def add(a, b):\n<mask_1>\n\nprint(add(1, 2))\n<|endoftext|><sep><mask_1>",
    "starcoder-psm": "<fim_prefix>def add(a, b):\n<fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>",
}
GREEDY = SamplingConfig(n=1, temperature=0, max_new_tokens=16, batch_size=2)
SAMPLED = SamplingConfig(n=3, temperature=0.8, top_p=0.95, max_new_tokens=12, batch_size=2, seed=3)
PSM_TOKENS = get_infill_format("starcoder-psm").sentinels


def infill_prompt(i: int = 0) -> dict:
    return {"id": f"add{i}", "prompt": PREFIX, "suffix": SUFFIX, "stop_tokens": ["\ndef "]}


class Server(Backend):
    """A server-like engine (no local tokenizer): answers each request with a scripted raw text."""
    name = "scripted"

    def __init__(self, declared, answer):
        self.declared_infill_format, self.answer, self.texts = declared, answer, []

    def sample(self, batch):
        self.texts += [r.text for r in batch]
        return [Sampled((self.answer,) * r.count) for r in batch]


def supported():
    return [name for name, fmt in INFILL_FORMATS.items() if fmt.supported]


def test_every_supported_format_has_a_golden_prompt():
    assert set(GOLDEN) == set(supported())


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_prompt_text_and_cut_at_the_formats_sentinel(name):
    end = "<eom>" if name == "codegen2" else "<|endoftext|>"
    backend = Server(name, f"    return a + b{end}    return 0<fim_prefix>")
    [record] = backend.generate([infill_prompt()], GREEDY, lambda k: None)
    assert backend.texts == [GOLDEN[name]]
    assert record["completions"] == ["    return a + b"]
    assert record["suffix"] == SUFFIX and record["skipped_reason"] is None


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_no_sentinel_survives_in_a_middle(name):
    fmt = get_infill_format(name)
    others = ("<mask_13>", "<mask_899>") if name == "codegen2" else ()
    for sentinel in (*fmt.stop_strings(), *others):
        backend = Server(name, f"x = 1{sentinel}y = 2")
        [record] = backend.generate([infill_prompt()], GREEDY, lambda k: None)
        assert record["completions"] == ["x = 1"], sentinel


def test_left_to_right_prompts_are_unchanged_next_to_infill_prompts():
    backend = Server("codegen2", "  return 1<eom>")
    left = {"id": "l", "prompt": "  def f():\n", "stop_tokens": []}
    records = {r["id"]: r for r in backend.generate([left, infill_prompt()], GREEDY, lambda k: None)}
    assert backend.texts[0] == "def f():"          # stripped, as MultiPL-E sends it; the prefix is not
    assert records["l"]["completions"] == ["  return 1<eom>"]   # a left-to-right text keeps what it wrote
    assert records["add0"]["completions"] == ["  return 1"]


def test_a_model_without_infill_is_one_line(plain_tokenizer):
    for backend in (Server("none", ""), Server(None, "")):
        with pytest.raises(MpltError, match="cannot infill") as error:
            list(backend.generate([infill_prompt()], GREEDY, lambda k: None))
        assert "\n" not in str(error.value)
    from mplt.infill.sampling import model_infill_format
    with pytest.raises(MpltError, match="sentinels of no infill format"):
        model_infill_format(None, plain_tokenizer, "some/dir")


def test_an_unregistered_model_infills_in_the_format_its_tokenizer_holds(codegen2_tokenizer, psm_tokenizer,
                                                                         sentinel_tokenizer):
    from mplt.infill.sampling import model_infill_format
    assert model_infill_format(None, codegen2_tokenizer, "dir").name == "codegen2"
    assert model_infill_format(None, psm_tokenizer, "dir").name == "starcoder-psm"
    with pytest.raises(MpltError, match="several infill formats"):
        model_infill_format(None, sentinel_tokenizer, "dir")


@pytest.fixture(scope="session")
def psm_tokenizer():
    from mplt.models.tiny import TinyConfig, shipped_texts, train_tokenizer
    return train_tokenizer(shipped_texts(), TinyConfig(vocab_size=512, extra_special_tokens=PSM_TOKENS))


class ScriptedModel:
    """Stands in for a transformers model in the HF backend: returns the prompt ids followed by
    `script`, and records what `generate` was given."""

    def __init__(self, script, eos):
        import torch
        self.script, self.calls = list(script), []
        self.config = type("Config", (), {"max_position_embeddings": 4096})()
        self.generation_config = type("GenerationConfig", (), {"eos_token_id": eos})()
        self._parameter = torch.nn.Parameter(torch.zeros(1))

    def parameters(self):
        return iter([self._parameter])

    def generate(self, input_ids, attention_mask, generation_config, logits_processor, stopping_criteria):
        import torch
        self.calls.append((input_ids.tolist(), sorted(generation_config.eos_token_id)))
        extra = torch.tensor([self.script] * input_ids.shape[0], dtype=input_ids.dtype)
        return torch.cat([input_ids, extra], dim=1)


def hf_backend(spec, tokenizer, script):
    from mplt.generation.backends.hf import HFBackend
    from mplt.models.load import LoadedModel
    model = ScriptedModel(script, tokenizer.eos_token_id)
    return HFBackend(LoadedModel(model, tokenizer, spec, spec.hub_id, spec.revision, "")), model


def test_hf_codegen2_prompt_ids_and_cut_at_eom(codegen2_tokenizer):
    tok = codegen2_tokenizer
    middle = tok.encode("    return a + b", add_special_tokens=False)
    backend, model = hf_backend(CODEGEN2_1B, tok, middle + [50300] + tok.encode("junk", add_special_tokens=False))
    [record] = stream_completions(backend, [infill_prompt()], GREEDY, progress=False)
    [(rows, eos)] = model.calls
    prefix, suffix = (tok.encode(t, add_special_tokens=False) for t in (PREFIX, SUFFIX))
    assert rows == [prefix + [51199] + suffix + [50256, 50299, 51199]]   # <mask_1>, EOS, <sep>, <mask_1>
    assert {50256, 50300} <= set(eos) and 2 not in eos                    # never the config's `#` (A.3)
    assert record["completions"] == ["    return a + b"]
    assert record["prompt_tokens"] == len(rows[0])


def test_hf_starcoder_prompt_ids_and_cut_at_eos(psm_tokenizer):
    tok = psm_tokenizer
    ids = {t: tok.convert_tokens_to_ids(t) for t in (*PSM_TOKENS, "<|endoftext|>")}
    middle = tok.encode("    return a + b", add_special_tokens=False)
    backend, model = hf_backend(STARCODERBASE_1B, tok, middle + [ids["<|endoftext|>"], ids["<fim_prefix>"]])
    [record] = stream_completions(backend, [infill_prompt()], GREEDY, progress=False)
    [(rows, _)] = model.calls
    prefix, suffix = (tok.encode(t, add_special_tokens=False) for t in (PREFIX, SUFFIX))
    assert rows == [[ids["<fim_prefix>"], *prefix, ids["<fim_suffix>"], *suffix, ids["<fim_middle>"]]]
    assert tok.decode(rows[0]) == GOLDEN["starcoder-psm"]
    assert record["completions"] == ["    return a + b"]


def test_tiny_model_infills_with_the_seeds_and_resume_of_left_to_right_sampling(tiny_codegen2_dir, tmp_path):
    from mplt.generation.backends.hf import HFBackend
    from mplt.models.load import load_model
    backend = HFBackend(load_model(str(tiny_codegen2_dir), device="cpu"))
    assert backend.infill_format().name == "codegen2"
    items = [infill_prompt(i) for i in range(3)]
    whole = stream_completions(backend, items, SAMPLED, tmp_path / "whole.jsonl", progress=False)
    for record in whole:
        assert len(record["completions"]) == SAMPLED.n
        assert not any(re.search(r"<mask_\d+>|<sep>|<eom>|<\|endoftext\|>", c) for c in record["completions"])
    # An interrupted run resumes by id: the first record kept, the others sampled with their own seeds.
    partial = tmp_path / "partial.jsonl"
    stream_completions(backend, items[:1], SAMPLED, partial, progress=False)
    resumed = stream_completions(backend, items, dataclasses.replace(SAMPLED, batch_size=1), partial, progress=False)
    assert [r["completions"] for r in resumed] == [r["completions"] for r in whole]
    with pytest.raises(MpltError, match="seed"):
        stream_completions(backend, items, dataclasses.replace(SAMPLED, seed=4), partial, progress=False)


def test_training_reads_an_unregistered_models_format_from_its_tokenizer(codegen2_tokenizer, plain_tokenizer):
    """--fim-format auto on a local copy or a stand-in: the format its tokenizer holds (B2), as sampling does."""
    from mplt.models.registry import ModelSpec
    from mplt.training.config import resolve_config
    from mplt.training.loop import _build_corruption
    cfg = resolve_config("qlora", overrides={"model": "some/dir", "data": ("d",), "fim_rate": 0.5})
    local = ModelSpec(key="some/dir", hub_id="some/dir")
    assert _build_corruption(cfg, codegen2_tokenizer, local).format.name == "codegen2"
    with pytest.raises(MpltError, match="has no infill format"):
        _build_corruption(cfg, plain_tokenizer, local)
