"""The OpenAI-compatible backend against a fake server written here (the standard library's
http.server): retries on 429 and 5xx, a clear error for an unknown model or a dead URL, the
concurrency bound, resume by id through stream_completions, and `eval --backend openai` end to end.
The same backend against a real vLLM server is tests/generation/test_vllm_server.py."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mplt.cli import main
from mplt.config import config_from_dict
from mplt.errors import MpltError
from mplt.generation import ModelOptions, SamplingConfig, stream_completions
from mplt.generation.backends import openai
from mplt.generation.backends.base import request_seed
from mplt.io import read_json, read_jsonl
from mplt.pipeline import testgen

CONFIG = SamplingConfig(n=2, temperature=0.8, top_p=0.9, max_new_tokens=16, seed=5, backend="openai",
                        base_url="http://127.0.0.1:1")
FAST = openai.ClientConfig(concurrency=2, timeout_s=10, retries=3, backoff_s=0.01)


class FakeServer:
    """Answers POST /v1/completions with `script(body, call_number) -> (status, json)`; records the
    bodies, the Authorization headers and the largest number of requests in flight at once."""

    def __init__(self, script):
        self.script, self.bodies, self.auth = script, [], []
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.bodies.append(body)
                    server.auth.append(self.headers.get("Authorization"))
                    call = len(server.bodies)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    status, answer = server.script(body, call)
                finally:
                    with server.lock:
                        server.in_flight -= 1
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def echo(body, call):
    """n completions `<prompt tail>#<j>\\ndef more` (the stop cuts at the newline)."""
    return 200, {"choices": [{"index": j, "text": f"{body['prompt'][-3:]}#{j}\ndef more"} for j in range(body["n"])],
                 "usage": {"prompt_tokens": len(body["prompt"])}}


def prompts(k: int) -> list[dict]:
    return [{"id": f"p{i}", "prompt": f"  prompt {i}  ", "stop_tokens": ["\n"]} for i in range(k)]


def backend(url: str, model: str = "m", client=FAST, adapter=None):
    return openai.open_backend(ModelOptions(model=model, adapter=adapter, base_url=url), client)


def test_request_fields_stop_cut_and_resume_by_id(tmp_path):
    out = tmp_path / "samples.jsonl"
    with FakeServer(echo) as server:
        first = stream_completions(backend(server.url + "/"), prompts(2), CONFIG, out, progress=False)
        again = stream_completions(backend(server.url), prompts(3), CONFIG, out, progress=False)
    assert [r["id"] for r in again] == ["p0", "p1", "p2"] and again[:2] == first
    assert len(server.bodies) == 3 and server.bodies[2]["prompt"] == "prompt 2"   # p2 only, stripped
    body = next(b for b in server.bodies if b["prompt"] == "prompt 0")   # requests run concurrently
    assert body == {"model": "m", "prompt": "prompt 0", "n": 2, "max_tokens": 16, "temperature": 0.8,
                    "top_p": 0.9, "seed": request_seed(5, "p0"), "stop": ["\n"]}
    assert again[2]["completions"] == ["t 2#0", "t 2#1"] and again[2]["backend"] == "openai"
    assert again[2]["prompt_tokens"] == len("prompt 2")


def test_429_and_500_are_retried_then_succeed():
    def flaky(body, call):
        return {1: (429, {"error": {"message": "slow down"}}), 2: (500, {"message": "oops"})}.get(call) or echo(body, call)
    with FakeServer(flaky) as server:
        [record] = stream_completions(backend(server.url), prompts(1), CONFIG, progress=False)
    assert len(server.bodies) == 3 and record["completions"] == ["t 0#0", "t 0#1"]


def test_retries_run_out_into_one_line_error():
    with FakeServer(lambda body, call: (503, {"message": "overloaded"})) as server:
        with pytest.raises(MpltError, match=r"/v1/completions: no answer after 4 attempts \(HTTP 503\)$"):
            stream_completions(backend(server.url), prompts(1), CONFIG, progress=False)
    assert len(server.bodies) == 4


def test_unknown_model_is_a_clear_error_without_retries():
    missing = {"object": "error", "message": "The model `nope` does not exist.", "type": "NotFoundError", "code": 404}
    with FakeServer(lambda body, call: (404, missing)) as server:
        with pytest.raises(MpltError, match=r"does not serve model 'nope' \(HTTP 404: The model `nope` does not exist"):
            stream_completions(backend(server.url, "nope"), prompts(3), CONFIG, progress=False)
    assert len(server.bodies) <= FAST.concurrency


def test_dead_url_is_a_one_line_error():
    with FakeServer(echo) as server:
        url = server.url
    client = openai.ClientConfig(retries=1, backoff_s=0.01, timeout_s=5)
    with pytest.raises(MpltError, match=r"no answer after 2 attempts") as error:
        stream_completions(backend(url, client=client), prompts(1), CONFIG, progress=False)
    assert "\n" not in str(error.value)


def test_concurrency_is_bounded():
    # Every request waits until a second one is in flight: with the bound at 2 the pairs meet, and a
    # third concurrent request would show in max_in_flight.
    barrier = threading.Barrier(2, timeout=10)

    def paired(body, call):
        barrier.wait()
        return echo(body, call)
    with FakeServer(paired) as server:
        records = stream_completions(backend(server.url), prompts(6), CONFIG, progress=False)
    assert [r["id"] for r in records] == [f"p{i}" for i in range(6)]
    assert server.max_in_flight == 2 and len(server.bodies) == 6


def test_greedy_asks_once_adapter_names_the_model_key_from_environment(monkeypatch):
    monkeypatch.setenv("MPLT_OPENAI_API_KEY", "sekret")
    greedy = SamplingConfig(n=3, temperature=0, max_new_tokens=4, backend="openai", base_url="http://x")
    with FakeServer(echo) as server:
        [record] = stream_completions(backend(server.url, adapter="lua-lora"), prompts(1), greedy, progress=False)
    assert server.bodies[0]["n"] == 1 and server.bodies[0]["model"] == "lua-lora"
    assert record["completions"] == ["t 0#0"] * 3 and server.auth == ["Bearer sekret"]


def test_a_prompt_over_the_server_context_is_skipped():
    too_long = {"message": "This model's maximum context length is 64 tokens. However, you requested 90 tokens."}
    with FakeServer(lambda body, call: (400, too_long) if body["prompt"].endswith("1") else echo(body, call)) as server:
        records = stream_completions(backend(server.url), prompts(2), CONFIG, progress=False)
    assert records[0]["completions"] and records[1]["completions"] == []
    assert "maximum context length is 64" in records[1]["skipped_reason"]


def test_base_url_is_checked_where_it_is_configured():
    with pytest.raises(MpltError, match=r"backend 'openai' needs base_url \(--base-url\) as http://HOST:PORT, got ''"):
        SamplingConfig(backend="openai")
    with pytest.raises(MpltError, match=r"^\[testgen\] backend: backend 'openai' needs base_url"):
        config_from_dict(testgen.TestgenConfig, {"backend": "openai", "base_url": "localhost:8000"}, "[testgen]")
    with pytest.raises(MpltError, match=r"^\[testgen\] backend: base_url is only read by backend\(s\) openai, not 'hf'"):
        config_from_dict(testgen.TestgenConfig, {"base_url": "http://h:1"}, "[testgen]")
    config = config_from_dict(testgen.TestgenConfig, {"backend": "openai", "base_url": "http://h:1"}, "[testgen]")
    assert config.sampling.base_url == "http://h:1"


def test_eval_command_end_to_end(tmp_path, capsys):
    """`eval --backend openai` on the package's mini benchmark: every completion the fake server
    writes is `<tail>#j`, which the Lua programs reject, so pass@1 is 0 and the pipeline runs whole."""
    out = tmp_path / "eval"
    with FakeServer(echo) as server:
        assert main(["eval", "--model", "served-name", "--backend", "openai", "--base-url", server.url,
                     "--benchmark", "mini", "--langs", "lua", "--limit", "2", "--n", "2", "--temperature", "0.8",
                     "--max-new-tokens", "8", "--seed", "1", "--workers", "2", "--out", str(out),
                     "--no-progress"]) == 0
    records = list(read_jsonl(out / "lua" / "completions.jsonl"))
    assert len(records) == 2 and all(len(r["completions"]) == 2 and r["backend"] == "openai" for r in records)
    assert {b["model"] for b in server.bodies} == {"served-name"} and len(server.bodies) == 2
    summary = read_json(out / "summary.json")["languages"]["lua"]
    assert summary["num_problems"] == 2 and summary["pass@1"] == 0.0
    assert "pass@1" in capsys.readouterr().out


def test_several_servers_share_the_prompts_and_one_stopped_mid_run_loses_nothing():
    """Two servers of the same model: both get requests; the first is stopped at its third request
    (that request's connection drops, later ones are refused), and its prompts go to the other."""
    with FakeServer(echo) as alone:
        expected = stream_completions(backend(alone.url), prompts(12), CONFIG, progress=False)
    stopping = {}

    def stops_at_third(body, call):
        if call >= 3:
            if "thread" not in stopping:
                stopping["thread"] = threading.Thread(target=first.httpd.shutdown, daemon=True)
                stopping["thread"].start()
            raise ConnectionAbortedError("stopped mid-run")
        return echo(body, call)
    first, second = FakeServer(stops_at_third), FakeServer(echo)
    with first, second:
        records = stream_completions(backend(f"{first.url},{second.url}/"), prompts(12), CONFIG, progress=False)
        first.httpd.server_close()
    assert sorted(r["id"] for r in records) == sorted(r["id"] for r in expected)
    by_id = {r["id"]: r for r in records}
    assert all(by_id[r["id"]]["completions"] == r["completions"] for r in expected)
    assert {r["replicas"] for r in records} == {2} and {r["replicas"] for r in expected} == {1}
    assert len(first.bodies) >= 3 and len(second.bodies) >= 12 - 2
    assert len(first.bodies) + len(second.bodies) >= 12


def test_several_base_urls_are_each_checked():
    with pytest.raises(MpltError, match=r"needs base_url \(--base-url\) as http://HOST:PORT, got 'http://a:1,b:2'"):
        SamplingConfig(backend="openai", base_url="http://a:1,b:2")
    assert backend("http://a:1, http://b:2/").replicas == 2
