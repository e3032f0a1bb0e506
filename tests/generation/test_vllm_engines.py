"""vLLM engines that score the right model on a machine in use: two adapters on one engine each give
their own completions (the same as a fresh engine per adapter; vLLM caches adapters by their id),
and the CPU engine starts while another process holds half the free memory (its KV cache gets a
budget from what is free). Each test opens and closes its own engines; skipped without vllm."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from mplt.generation import ModelOptions, SamplingConfig, stream_completions
from mplt.generation.backends import vllm as vllm_backend

needs_vllm = pytest.mark.skipif(importlib.util.find_spec("vllm") is None,
                                reason="vllm is not installed (pip install -e .[vllm])")
ENGINE_ARGS = {"distributed_executor_backend": "uni", "enforce_eager": True}
GREEDY = SamplingConfig(n=1, temperature=0.0, max_new_tokens=16, batch_size=4, seed=3, backend="vllm")
PROMPTS = [{"id": f"p{i}", "prompt": "def f(x):\n    return" + " x" * i + "\n", "stop_tokens": ["\ndef"]}
           for i in range(4)]


def texts(backend) -> list[list[str]]:
    return [r["completions"] for r in stream_completions(backend, PROMPTS, GREEDY, progress=False)]


@pytest.fixture
def in_process(monkeypatch):
    monkeypatch.setenv("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    yield
    vllm_backend.close_engine()


@needs_vllm
@pytest.mark.slow
def test_two_adapters_on_one_engine_give_their_own_completions(in_process, monkeypatch, tiny_model_dir,
                                                               lora_adapter_dir, second_lora_adapter_dir):
    monkeypatch.setenv("VLLM_CPU_KVCACHE_SPACE", "1")
    options = [ModelOptions(model=str(tiny_model_dir), adapter=str(a)) for a in (lora_adapter_dir, second_lora_adapter_dir)]
    first = vllm_backend.open_backend(options[0], **ENGINE_ARGS)
    second = vllm_backend.open_backend(options[1])
    assert second.llm is first.llm and first.lora.lora_int_id != second.lora.lora_int_id
    shared = [texts(first), texts(second), texts(first)]
    assert shared[0] != shared[1] and shared[2] == shared[0]
    fresh = []
    for option in options:
        vllm_backend.close_engine()
        fresh.append(texts(vllm_backend.open_backend(option, **ENGINE_ARGS)))
    assert fresh == shared[:2]


@needs_vllm
@pytest.mark.slow
def test_planned_adapters_share_the_base_models_engine(in_process, monkeypatch, tiny_model_dir, lora_adapter_dir):
    monkeypatch.setenv("VLLM_CPU_KVCACHE_SPACE", "1")
    monkeypatch.setitem(vllm_backend._PLANNED, "rank", 0)
    vllm_backend.plan_adapters([str(lora_adapter_dir)])
    base = vllm_backend.open_backend(ModelOptions(model=str(tiny_model_dir)), **ENGINE_ARGS)
    tuned = vllm_backend.open_backend(ModelOptions(model=str(tiny_model_dir), adapter=str(lora_adapter_dir)))
    assert tuned.llm is base.llm and base.lora is None
    assert texts(base) != texts(tuned)


_HOLD = """
import sys, time
size = int(sys.argv[1])
block = bytearray(size)
for i in range(0, size, 4096):
    block[i] = 1
print("held", flush=True)
time.sleep(600)
"""


@needs_vllm
@pytest.mark.slow
def test_cpu_engine_starts_while_another_process_holds_half_the_memory(in_process, monkeypatch, tiny_model_dir):
    monkeypatch.delenv("VLLM_CPU_KVCACHE_SPACE", raising=False)
    available = next(int(line.split()[1]) * 1024 for line in open("/proc/meminfo") if line.startswith("MemAvailable:"))
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(min(available // 2, 10 * 1024 ** 3))],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        backend = vllm_backend.open_backend(ModelOptions(model=str(tiny_model_dir)), **ENGINE_ARGS)
        assert all(len(c) == 1 for c in texts(backend))
    finally:
        holder.kill()
        holder.wait()


def test_an_engine_failure_names_its_root_cause():
    try:
        try:
            raise ValueError("Available memory on node 0 (2.0/23.5 GiB) is less than desired")
        except ValueError as inner:
            raise RuntimeError("Engine core initialization failed. See root cause above.") from inner
    except RuntimeError as outer:
        assert vllm_backend.root_cause(outer).startswith("Available memory on node 0")
    lonely = RuntimeError("Engine core initialization failed. See root cause above.")
    assert "VLLM_ENABLE_V1_MULTIPROCESSING=0" in vllm_backend.root_cause(lonely)


def test_cpu_kv_cache_budget_follows_free_memory():
    budget = vllm_backend.cpu_kv_cache_bytes()
    assert vllm_backend.GIB // 2 <= budget <= 4 * vllm_backend.GIB
