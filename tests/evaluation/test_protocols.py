"""Evaluation protocols (mplt/evaluation/protocols.py): the `paper` protocol reads a local prompt file in
the paper's format and records its sha256 and settings, bounds prompt + completion by 512 tokens,
sends the prompt unstripped and samples with top_k 50; the check compares a figure with a published
one only under the same protocol and precision. The prompt files here are written by the tests from
the hand-written records of conftest.py (not benchmark problems)."""
from __future__ import annotations

import hashlib
import json

import pytest

from cli_errors import one_line, run_cli
from mplt.benchmarks import BenchmarkOptions, load_benchmark
from mplt.benchmarks.contract import RepoFile
from mplt.errors import MpltError
from mplt.evaluation import EvalConfig, evaluate
from mplt.evaluation.protocols import PROTOCOLS, apply_protocol
from mplt.generation import SamplingConfig
from mplt.io import read_json, read_jsonl
from mplt.results.check import compare_figures, expected_path, load_expected

from tests.evaluation.conftest import lua_record

NEVER = ["<never-generated>"]


def paper_dir(tmp_path, records):
    """A directory holding a prompt file under the name MultiPL-T's trainer read for Lua."""
    root = tmp_path / "paper"
    root.mkdir(exist_ok=True)
    path = root / "humaneval-lua-reworded.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return root, path


def test_a_local_prompt_file_loads_under_paper_with_its_sha256(tmp_path):
    root, path = paper_dir(tmp_path, [lua_record("add_good", "+"), lua_record("add_bad", "-")])
    problems = load_benchmark("paper-prompts", "lua", BenchmarkOptions(path=str(root)))
    assert [r["name"] for r in problems.records] == ["add_good", "add_bad"]
    assert problems.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (problems.source, problems.revision) == (str(path), "local")
    with pytest.raises(MpltError, match="no humaneval-lua-reworded.jsonl"):
        load_benchmark("paper-prompts", "lua", BenchmarkOptions(path=str(tmp_path)))


def test_paper_settings_replace_the_defaults_and_conflicts_are_errors():
    sampling, benchmark, dtype = apply_protocol("paper", SamplingConfig(n=3), "multipl-e", "auto")
    assert (sampling.top_p, sampling.top_k, sampling.max_length, sampling.strip_prompt, sampling.n) == \
        (1.0, 50, 512, False, 3)
    assert (benchmark, dtype) == ("paper-prompts", "bfloat16")
    with pytest.raises(MpltError, match="protocol 'paper' fixes top_p = 1.0; the run sets 0.5"):
        apply_protocol("paper", SamplingConfig(top_p=0.5), "multipl-e", "auto")
    with pytest.raises(MpltError, match="evaluates benchmark 'paper-prompts'"):
        apply_protocol("paper", SamplingConfig(), "mini", "auto")
    assert apply_protocol("multipl-e", SamplingConfig(), "mini", "auto") == (SamplingConfig(), "mini", "auto")


def test_unknown_protocol_is_a_one_line_error(tmp_path, capsys):
    code, _, err = run_cli(capsys, "eval", "--model", "m", "--langs", "lua", "--protocol", "nope",
                           "--out", tmp_path / "o")
    assert code == 2 and "unknown evaluation protocol 'nope'; known: multipl-e, paper" in one_line(err)
    from mplt.evaluation.stage import EvaluateStageConfig
    with pytest.raises(MpltError, match=r"\[evaluate\] protocol: unknown evaluation protocol 'nope'"):
        EvaluateStageConfig(base_model="m", protocol="nope").validate()
    assert set(PROTOCOLS) == {"multipl-e", "paper"}


class GenerateSpy:
    """Wraps the tiny model's `generate`: records each call's prompt ids, budget and output length,
    and checks, before generating, that the sampler handed to it keeps only the top-k tokens."""

    def __init__(self, model, tokenizer):
        self.model, self.tokenizer, self.real = model, tokenizer, model.generate
        self.calls = []

    def __call__(self, **kwargs):
        import torch
        input_ids, attention = kwargs["input_ids"], kwargs["attention_mask"]
        sampler = kwargs["logits_processor"][0]
        vocab = self.model.config.vocab_size
        # Nearly flat scores, highest at token 0: without top-k most draws land far beyond token 50.
        flat = -torch.arange(vocab, dtype=torch.float32).repeat(input_ids.shape[0], 1) * 1e-4
        picked = sampler(input_ids, flat).argmax(dim=-1)
        sampler.step = 0
        output = self.real(**kwargs)
        self.calls.append({"prompts": [row[mask.bool()].tolist() for row, mask in zip(input_ids, attention)],
                           "width": input_ids.shape[1], "max_new_tokens": kwargs["generation_config"].max_new_tokens,
                           "generated": output.shape[1] - input_ids.shape[1], "picked": picked.tolist()})
        return output


@pytest.fixture
def spied_backend(tiny_model_dir, monkeypatch):
    from mplt.generation.backends.hf import HFBackend
    from mplt.models.load import load_model
    loaded = load_model(str(tiny_model_dir), device="cpu", dtype="bfloat16")
    spy = GenerateSpy(loaded.model, loaded.tokenizer)
    monkeypatch.setattr(loaded.model, "generate", spy)
    return HFBackend(loaded), spy


def long_record(name: str, tokenizer, tokens: int) -> dict:
    """A Lua record whose prompt is `tokens` tokens long under the tiny tokenizer and ends in a newline
    and spaces (what stripping would remove); its stop string is never generated, so only the length
    bound ends the completion."""
    record = lua_record(name, "+")
    line = "-- a comment line that the tiny tokenizer splits into several tokens\n"
    prompt = record["prompt"] + "\n"
    while len(tokenizer(prompt + line)["input_ids"]) < tokens:
        prompt += line
    return {**record, "prompt": prompt + "\n  ", "stop_tokens": NEVER}


def test_paper_run_bounds_prompt_plus_completion_sends_the_prompt_unstripped_and_records_it(
        spied_backend, tmp_path):
    backend, spy = spied_backend
    tokenizer = backend.loaded.tokenizer
    records = [long_record("long_one", tokenizer, 470), long_record("long_two", tokenizer, 500)]
    root, path = paper_dir(tmp_path, records)
    out = tmp_path / "eval"
    config = EvalConfig(model="tiny", out=str(out), langs=("lua",), protocol="paper", benchmark_path=str(root),
                        sampling=SamplingConfig(n=2, batch_size=2, seed=3), mode="generate")
    evaluate(config, backend=backend, progress=False)

    prompt_ids = {r["name"]: tokenizer(r["prompt"])["input_ids"] for r in records}
    assert len(spy.calls) == 2                      # one prompt (n = 2 rows) per batch
    for call in spy.calls:
        sent = call["prompts"][0]
        assert tokenizer.decode(sent) in {r["prompt"] for r in records}     # the whole prompt, unstripped
        assert call["max_new_tokens"] == 512 - len(sent)
        assert call["width"] + call["generated"] <= 512
        assert all(token < 50 for token in call["picked"])                  # top_k 50 reached generate
    for record in read_jsonl(out / "lua" / "completions.jsonl"):
        assert record["prompt_tokens"] == len(prompt_ids[record["name"]])
        assert (record["max_length"], record["top_k"], record["top_p"], record["strip_prompt"]) == (512, 50, 1.0, False)

    meta = read_json(out / "lua" / "meta.json")
    assert meta["dataset_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta["protocol"]["name"] == "paper" and meta["protocol"]["precision"] == "bfloat16"
    assert meta["protocol"]["max_length"] == 512 and meta["protocol"]["top_k"] == 50
    saved = read_json(out / "config.json")
    assert saved["protocol"] == "paper" and saved["benchmark"] == "paper-prompts" and saved["dtype"] == "bfloat16"
    assert (saved["top_k"], saved["max_length"], saved["strip_prompt"]) == (50, 512, False)


def test_a_prompt_at_the_length_bound_still_gets_one_token():
    config = apply_protocol("paper", SamplingConfig(), "multipl-e", "auto")[0]
    assert [config.new_token_budget(t, 8192) for t in (10, 511, 512, 600)] == [502, 1, 1, 1]
    assert SamplingConfig().new_token_budget(600, 8192) == 512        # multipl-e: new tokens only


def test_multipl_e_strips_and_has_no_top_k(spied_backend, tmp_path, multipl_e_dir):
    backend, spy = spied_backend
    out = tmp_path / "eval"
    config = EvalConfig(model="tiny", out=str(out), langs=("lua",), benchmark_path=str(multipl_e_dir),
                        sampling=SamplingConfig(n=1, max_new_tokens=4, seed=3), mode="generate")
    evaluate(config, backend=backend, progress=False)
    prompt = lua_record("add_good", "+")["prompt"]
    assert backend.loaded.tokenizer.decode(spy.calls[0]["prompts"][0]) == prompt.strip()
    assert any(token >= 50 for call in spy.calls for token in call["picked"])
    meta = read_json(out / "lua" / "meta.json")
    assert meta["protocol"]["name"] == "multipl-e" and meta["protocol"]["top_k"] == 0


def paper_figures(variant: str, lang: str, value: float, protocol: str, precision: str,
                  family: str = "multipl-e-humaneval") -> dict:
    return {f"pass@1.{variant}.{lang}": value, f"eval.{variant}.{lang}.protocol": protocol,
            f"eval.{variant}.{lang}.precision": precision, f"eval.{variant}.{lang}.comparable_with": family}


def check_row(profile: str, name: str, figures: dict):
    return next(r for r in compare_figures(figures, load_expected(expected_path(profile))) if r.name == name)


def test_a_multipl_e_figure_is_not_compared_with_a_paper_figure():
    row = check_row("paper-1b-eval", "pass@1.finetuned.lua",
                    paper_figures("finetuned", "lua", 0.9, "multipl-e", "bfloat16"))
    assert row.verdict == "skip" and "not compared" in row.got and "protocol is multipl-e" in row.got
    row = check_row("paper-1b-eval", "pass@1.finetuned.lua", paper_figures("finetuned", "lua", 0.9, "paper", "bfloat16"))
    assert row.verdict == "fail"                      # same protocol and precision: compared, and far off
    row = check_row("paper-1b-eval", "pass@1.base.lua", {"pass@1.base.lua": 0.121})
    assert row.verdict == "skip" and "not recorded" in row.got


def test_a_4bit_base_figure_is_not_checked_against_a_bf16_published_one():
    for profile in ("paper-1b-finetune", "scaled"):
        row = check_row(profile, "pass@1.base.rkt", paper_figures("base", "rkt", 0.5, "paper", "nf4"))
        assert row.verdict == "skip" and "precision is nf4" in row.got and "bfloat16" in row.got
        row = check_row(profile, "pass@1.base.rkt", paper_figures("base", "rkt", 0.047, "paper", "bfloat16"))
        assert row.verdict == "pass"


def test_the_report_labels_figures_of_another_protocol():
    from mplt.results.report import section_pass_at_1
    figures = {**paper_figures("base", "lua", 0.1, "multipl-e", "nf4"),
               **paper_figures("finetuned", "lua", 0.2, "multipl-e", "nf4")}
    text = section_pass_at_1({"figures": figures, "meta": {}}, None, True)
    assert "multipl-e, nf4" in text and "0.121 (not compared)" in text
    assert "Not compared with the published figure" in text and "protocol multipl-e, published: paper" in text
    same = {**paper_figures("base", "lua", 0.1, "paper", "bfloat16")}
    assert "(not compared)" not in section_pass_at_1({"figures": same, "meta": {}}, None, True).split("Sources")[0]


def test_a_download_is_checked_against_its_pinned_or_first_sha256(tmp_path, monkeypatch):
    from mplt.benchmarks import paper_prompts, pinned_files
    good = json.dumps({**lua_record("add_good", "+"), "language": "ml"}) + "\n"
    served = {"bytes": good.encode()}
    monkeypatch.setattr(pinned_files, "fetch", lambda url: served["bytes"])
    pinned_ml = paper_prompts.PROMPT_FILES["ml"]
    with pytest.raises(MpltError, match="differs from the pinned"):        # OCaml's sha256 is pinned
        paper_prompts.read_paper_prompts("ml", cache_dir=tmp_path)
    monkeypatch.setitem(paper_prompts.PROMPT_FILES, "ml", RepoFile(
        pinned_ml.repo, pinned_ml.commit, pinned_ml.path, hashlib.sha256(served["bytes"]).hexdigest()))
    read = paper_prompts.read_paper_prompts("ml", cache_dir=tmp_path)
    assert read.revision == pinned_ml.commit and read.source.startswith("https://raw.githubusercontent.com/nuprl/")
    # No pinned hash (the MultiPL-E files): the first download's is kept and checked on every later read.
    lua = json.dumps(lua_record("add_good", "+")) + "\n"
    served["bytes"] = lua.encode()
    first = paper_prompts.read_paper_prompts("lua", cache_dir=tmp_path)
    assert first.sha256 == hashlib.sha256(lua.encode()).hexdigest()
    cached = next(tmp_path.rglob("humaneval-lua-reworded.jsonl"))
    assert "2ff3541457eee7def81acacbd8d87cd71648712d" in str(cached)
    cached.write_text(lua + lua.replace("add_good", "add_other"))
    with pytest.raises(MpltError, match="delete it to fetch again"):
        paper_prompts.read_paper_prompts("lua", cache_dir=tmp_path)


def test_top_k_and_the_length_bound_reach_vllm(tiny_model_dir, monkeypatch):
    """vLLM's SamplingParams get top_k and max_tokens = 512 - prompt tokens (a stand-in engine records
    them; tests/generation/test_vllm.py drives the real one)."""
    import sys
    import types
    from transformers import AutoTokenizer
    from mplt.generation.backends.vllm import VLLMBackend

    seen = []
    fake = types.ModuleType("vllm")
    fake.SamplingParams = lambda **kwargs: seen.append(kwargs) or kwargs
    inputs = types.ModuleType("vllm.inputs")
    inputs.TokensPrompt = lambda prompt_token_ids: prompt_token_ids
    monkeypatch.setitem(sys.modules, "vllm", fake)
    monkeypatch.setitem(sys.modules, "vllm.inputs", inputs)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)

    class Engine:
        llm_engine = types.SimpleNamespace(model_config=types.SimpleNamespace(max_model_len=1024))

        def get_tokenizer(self):
            return tokenizer

        def generate(self, prompts, params, use_tqdm, lora_request):
            sample = types.SimpleNamespace(index=0, token_ids=[tokenizer.eos_token_id])
            return [types.SimpleNamespace(outputs=[sample] * p["n"]) for p in params]

    config = apply_protocol("paper", SamplingConfig(n=2), "multipl-e", "auto")[0]
    prompt = {"id": "p", **lua_record("add_good", "+")}
    records = list(VLLMBackend(Engine(), "tiny", None).generate([prompt], config, lambda k: None))
    length = len(tokenizer(prompt["prompt"])["input_ids"])
    assert seen[0]["top_k"] == 50 and seen[0]["top_p"] == 1.0 and seen[0]["max_tokens"] == 512 - length
    assert records[0]["completions"] == ["", ""]


def test_top_k_keeps_the_k_best_tokens_and_ties_with_the_kth():
    import torch
    from mplt.generation.sampler import pick_tokens
    scores = torch.tensor([[5.0, 4.0, 4.0, 1.0, 0.5, 0.0]]).repeat(400, 1)
    uniforms = torch.rand(400, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert set(pick_tokens(scores, uniforms, 2.0, 1.0, top_k=2).flatten().tolist()) == {0, 1, 2}   # tie at k
    assert set(pick_tokens(scores, uniforms, 2.0, 1.0, top_k=1).flatten().tolist()) == {0}
    off = pick_tokens(scores, uniforms, 2.0, 1.0)
    assert torch.equal(off, pick_tokens(scores, uniforms, 2.0, 1.0, top_k=6)) and int(off.max()) > 2


def test_resuming_a_run_under_another_protocol_is_refused(tiny_model_dir, multipl_e_dir, tmp_path, capsys):
    from mplt.cli import main
    out = tmp_path / "eval"
    common = ["eval", "--model", str(tiny_model_dir), "--langs", "lua", "--n", "1", "--max-new-tokens", "4",
              "--out", str(out), "--no-progress", "--generate-only"]
    lua_file = (multipl_e_dir / "humaneval-lua.jsonl").read_text()
    (multipl_e_dir / "humaneval-lua-reworded.jsonl").write_text(lua_file)
    assert main([*common, "--benchmark-path", str(multipl_e_dir)]) == 0
    capsys.readouterr()
    common[common.index("--max-new-tokens"):common.index("--max-new-tokens") + 2] = []
    assert main([*common, "--benchmark-path", str(multipl_e_dir), "--protocol", "paper"]) == 2
    err = one_line(capsys.readouterr().err)
    assert "holds a run with different" in err and "protocol_name='multipl-e'" in err


def test_the_preflight_fetches_the_paper_prompt_files_before_the_run(tmp_path, monkeypatch):
    import dataclasses
    from mplt.benchmarks import paper_prompts, pinned_files
    from mplt.run.preflight import fetch_prompt_files
    from mplt.run.profiles import load_profile

    def offline(url):
        raise MpltError(f"cannot download {url} (offline)")
    monkeypatch.setattr(pinned_files, "fetch", offline)
    monkeypatch.setattr(pinned_files, "default_cache_dir", lambda: tmp_path / "cache")
    profile = load_profile("paper-1b-eval", tmp_path, filter_langs=False)
    with pytest.raises(MpltError, match="cannot download https://raw.githubusercontent.com/nuprl/MultiPL-E/2ff3541"):
        fetch_prompt_files(profile)
    local = dataclasses.replace(profile, tables={**profile.tables, "evaluate": {
        **profile.tables["evaluate"], "benchmark_path": str(tmp_path)}})
    fetch_prompt_files(local)                      # a local copy: nothing to fetch
