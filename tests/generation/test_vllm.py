"""The vLLM backend in process on CPU with the tiny local Llama: n, stops, seeds, a LoRA adapter,
the context limit and `eval --backend vllm` end to end. One engine serves the whole module (vLLM
starts in ~15-25 s here with the settings of docs/generation.md, "vLLM"); without vllm installed
(`pip install -e .[vllm]`) the engine tests are skipped and only the error path runs."""
from __future__ import annotations

import dataclasses
import importlib.util
import sys

import pytest

from mplt.cli import main
from mplt.errors import MpltError
from mplt.generation import ModelOptions, SamplingConfig, stream_completions
from mplt.generation.backends import vllm as vllm_backend
from mplt.io import read_json, read_jsonl

needs_vllm = pytest.mark.skipif(importlib.util.find_spec("vllm") is None,
                                reason="vllm is not installed (pip install -e .[vllm])")
# Fast CPU start-up: the engine in this process, one worker, eager mode, a 1 GiB KV cache.
TEST_ENV = {"VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_CPU_KVCACHE_SPACE": "1"}
ENGINE_ARGS = {"distributed_executor_backend": "uni", "enforce_eager": True}
CONFIG = SamplingConfig(n=3, temperature=0.8, top_p=0.95, max_new_tokens=24, batch_size=4, seed=7, backend="vllm")


@pytest.fixture(scope="module")
def engine(tiny_model_dir, lora_adapter_dir):
    """The module's one engine, opened with LoRA enabled so base and adapter requests share it."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in TEST_ENV.items():
            patch.setenv(name, value)
        lora = vllm_backend.open_backend(ModelOptions(model=str(tiny_model_dir), adapter=str(lora_adapter_dir)),
                                         **ENGINE_ARGS)
        yield lora
        vllm_backend.close_engine()


def code_prompts(k: int) -> list[dict]:
    return [{"id": f"p{i}", "prompt": "def f(x):\n    return" + " x" * i + "\n", "stop_tokens": ["\ndef", "\n\n"]}
            for i in range(k)]


def base_backend(tiny_model_dir):
    return vllm_backend.open_backend(ModelOptions(model=str(tiny_model_dir)))


def test_missing_vllm_is_one_line_naming_the_extra(monkeypatch, tiny_model_dir):
    monkeypatch.setitem(sys.modules, "vllm", None)   # `import vllm` raises ImportError
    with pytest.raises(MpltError, match=r"backend 'vllm' needs vllm.*pip install -e \.\[vllm\]") as error:
        vllm_backend.open_backend(ModelOptions(model=str(tiny_model_dir)))
    assert "\n" not in str(error.value)


@needs_vllm
def test_float64_is_refused(tiny_model_dir):
    with pytest.raises(MpltError, match=r"backend 'vllm' computes in auto, float32, bfloat16, float16, not 'float64'"):
        vllm_backend.open_backend(ModelOptions(model=str(tiny_model_dir), dtype="float64"))


@needs_vllm
@pytest.mark.slow
def test_n_stops_and_seeds_do_not_depend_on_batching(engine, tiny_model_dir, tmp_path):
    backend = base_backend(tiny_model_dir)
    assert backend.llm is engine.llm and backend.lora is None
    records = stream_completions(backend, code_prompts(4), CONFIG, tmp_path / "a.jsonl", progress=False)
    for record in records:
        assert len(record["completions"]) == 3 and record["backend"] == "vllm"
        assert not any("\ndef" in c or "\n\n" in c for c in record["completions"])
        assert len(set(record["completions"])) > 1   # n samples, not one copied
    # Other batches (one prompt per call), another order, a resumed file: the same completions.
    one_by_one = dataclasses.replace(CONFIG, batch_size=1)
    partial = tmp_path / "b.jsonl"
    stream_completions(backend, code_prompts(4)[2:3], one_by_one, partial, progress=False)
    again = stream_completions(backend, code_prompts(4)[::-1], one_by_one, partial, progress=False)
    assert {r["id"]: r["completions"] for r in again} == {r["id"]: r["completions"] for r in records}
    other_seed = stream_completions(backend, code_prompts(4), dataclasses.replace(CONFIG, seed=8), progress=False)
    assert [r["completions"] for r in other_seed] != [r["completions"] for r in records]


@needs_vllm
@pytest.mark.slow
def test_greedy_copies_one_pass_and_lora_changes_it(engine, tiny_model_dir):
    greedy = dataclasses.replace(CONFIG, temperature=0.0, n=2)
    base = stream_completions(base_backend(tiny_model_dir), code_prompts(3), greedy, progress=False)
    tuned = stream_completions(engine, code_prompts(3), greedy, progress=False)
    assert all(r["completions"][0] == r["completions"][1] for r in base + tuned)
    assert [r["completions"] for r in tuned] != [r["completions"] for r in base]


@needs_vllm
@pytest.mark.slow
def test_a_prompt_over_the_context_is_skipped(engine, tiny_model_dir):
    short = dataclasses.replace(CONFIG, max_context=8, max_new_tokens=4)
    records = stream_completions(base_backend(tiny_model_dir), code_prompts(8)[::7], short, progress=False)
    assert records[0]["skipped_reason"] is None and records[0]["completions"]
    assert records[1]["completions"] == [] and "the model context is 8" in records[1]["skipped_reason"]


@needs_vllm
@pytest.mark.slow
def test_eval_command_end_to_end(engine, tiny_model_dir, lora_adapter_dir, tmp_path, capsys):
    out = tmp_path / "eval"
    assert main(["eval", "--model", str(tiny_model_dir), "--adapter", str(lora_adapter_dir), "--backend", "vllm",
                 "--benchmark", "mini", "--langs", "lua", "--limit", "2", "--n", "2", "--temperature", "0.8",
                 "--max-new-tokens", "8", "--seed", "1", "--workers", "2", "--out", str(out), "--no-progress"]) == 0
    records = list(read_jsonl(out / "lua" / "completions.jsonl"))
    assert len(records) == 2 and all(len(r["completions"]) == 2 and r["backend"] == "vllm" for r in records)
    summary = read_json(out / "summary.json")["languages"]["lua"]
    assert summary["num_problems"] == 2 and summary["min_completions"] == 2
    assert "pass@1" in capsys.readouterr().out
    assert vllm_backend._ENGINE["llm"] is engine.llm   # the CLI reused the module's engine


@needs_vllm
@pytest.mark.slow
def test_long_prompts_with_seeds_do_not_crash_the_cpu_engine(engine, tiny_model_dir):
    """16 seeded requests of ~500 tokens exceed one step's token budget (4096): with chunked prefill
    vLLM 0.32's CPU worker raised "CPU Generator does not use offset" here (docs/generation.md, "vLLM")."""
    words = " ".join(f"x{i}" for i in range(180))
    long = [{"id": f"L{i}", "prompt": f"# {i} {words}\ndef f():\n", "stop_tokens": ["\ndef"]} for i in range(8)]
    config = dataclasses.replace(CONFIG, n=2, max_new_tokens=8, batch_size=8)
    together = stream_completions(base_backend(tiny_model_dir), long, config, progress=False)
    assert all(r["prompt_tokens"] > 400 and len(r["completions"]) == 2 for r in together)
    alone = stream_completions(base_backend(tiny_model_dir), long[:2], dataclasses.replace(config, batch_size=1),
                               progress=False)
    assert [r["completions"] for r in alone] == [r["completions"] for r in together[:2]]
