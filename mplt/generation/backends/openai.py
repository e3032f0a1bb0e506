"""Any server with an OpenAI-style `/v1/completions` (`vllm serve`, SGLang, TGI, a router in front of
replicas): `--backend openai --base-url URL` (docs/generation.md, "OpenAI-compatible servers").
Several servers of the same model: `--base-url URL1,URL2`; each request goes to the server with the
fewest requests in flight, and one that fails is set aside for a while and the request retried on
another at once (docs/cluster.md). Seeds are per prompt, so which server answers does not matter.

One POST per prompt with `model`, `prompt`, `n`, `seed` (`request_seed(config.seed, id)`), `stop`,
`max_tokens`, `temperature`, `top_p` (and `top_k` when set: vLLM's server reads it, the OpenAI API
has no such field); at most `openai_concurrency` requests (default 8; docs/environment.md) in
flight, from threads (the standard library only: no client package). A 429, a 5xx, a timeout or a
refused connection is retried with exponential backoff; a 404 (unknown model) or a URL that
answers nothing after the retries is a one-line error. The API key, when the server wants one,
comes from $MPLT_OPENAI_API_KEY or $OPENAI_API_KEY. Streaming to JSONL and resume by id are
`stream_completions`'; records are yielded as each prompt's request returns.

The request's `model` is `--adapter` when given (the name the server serves a LoRA adapter under,
e.g. vLLM's `--lora-modules NAME=PATH`), else `--model`. Completions are cut again at the stop
strings on our side (`truncate_at_stop_tokens`), so a server that ignores `stop` beyond four
strings (the OpenAI API's limit) still yields MultiPL-E's cut. A prompt longer than the server's
context (a 400 that says so) gets no completions and a `skipped_reason`, as with the HF backend.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Iterable, Iterator

from mplt.errors import MpltError
from mplt.generation.backends.base import Backend, ModelOptions, Request, Sampled
from mplt.models.registry import find_model
from mplt.settings import HostSettings, current

KEY_VARIABLES = ("MPLT_OPENAI_API_KEY", "OPENAI_API_KEY")
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
PACKAGES: tuple[str, ...] = ()   # the standard library only: no client package to record
CONTEXT_WORDS = ("maximum context length", "context length", "too long", "max_model_len")


@dataclass(frozen=True)
class ClientConfig:
    """How the client talks to the server: the host settings' `openai_*` fields (mplt/settings.py,
    docs/environment.md), which the profile's `[run]`, the flags or the environment set."""

    concurrency: int = 8          # requests in flight
    timeout_s: float = 600.0      # per request: n x 512 tokens can take minutes
    retries: int = 6              # attempts after the first
    backoff_s: float = 1.0        # first wait; doubled per retry, at most 60 s

    @classmethod
    def from_settings(cls, settings: HostSettings) -> "ClientConfig":
        return cls(concurrency=settings.openai_concurrency, timeout_s=settings.openai_timeout_s,
                   retries=settings.openai_retries)


def open_backend(options: ModelOptions, client: ClientConfig | None = None) -> "OpenAIBackend":
    if not options.model:
        raise MpltError("backend 'openai': --model names the model the server serves")
    backend = OpenAIBackend(options.base_url, options.adapter or options.model,
                            client or ClientConfig.from_settings(current()))
    # Infill prompts are built as text in the registry's format of --model (the server's tokenizer is
    # not read here, so an unregistered model cannot infill through a server: mplt.infill.sampling).
    spec = find_model(options.model)
    backend.declared_infill_format = spec.infill_format if spec is not None else None
    return backend


def split_base_urls(base_url: str) -> tuple[str, ...]:
    """The servers of `base_url`: one URL, or several separated by commas."""
    return tuple(part.strip() for part in base_url.split(",") if part.strip())


class Servers:
    """The servers' completions URLs, with their requests in flight and when a failed one may be
    tried again; `pick` balances, `failed` sets a server aside (longer after each failure in a row)."""

    def __init__(self, roots: tuple[str, ...], backoff_s: float):
        self.urls = tuple((root if root.endswith("/v1") else root + "/v1") + "/completions" for root in roots)
        self.backoff_s = backoff_s
        self._in_flight = dict.fromkeys(self.urls, 0)
        self._down_until = dict.fromkeys(self.urls, 0.0)
        self._failures = dict.fromkeys(self.urls, 0)
        self._turn = 0
        self._lock = threading.Lock()

    def pick(self) -> str:
        """The least busy server that is not set aside (of all, the one back soonest), its request counted."""
        with self._lock:
            now = time.monotonic()
            up = [u for u in self.urls if self._down_until[u] <= now]
            self._turn += 1
            order = self.urls[self._turn % len(self.urls):] + self.urls[:self._turn % len(self.urls)]
            if up:
                url = min((u for u in order if u in up), key=self._in_flight.__getitem__)
            else:
                url = min(order, key=self._down_until.__getitem__)
            self._in_flight[url] += 1
            return url

    def done(self, url: str, ok: bool) -> None:
        with self._lock:
            self._in_flight[url] -= 1
            if ok:
                self._failures[url] = 0
                self._down_until[url] = 0.0
                return
            self._failures[url] += 1
            self._down_until[url] = time.monotonic() + min(self.backoff_s * 2 ** self._failures[url], 60.0)

    def any_up(self) -> bool:
        with self._lock:
            now = time.monotonic()
            return any(until <= now for until in self._down_until.values())


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(self, base_url: str, model: str, client: ClientConfig):
        roots = tuple(url.rstrip("/") for url in split_base_urls(base_url))
        self.servers = Servers(roots, client.backoff_s)
        self.url = ", ".join(self.servers.urls)     # error messages name every server
        self.model, self.client = model, client
        self.replicas = len(roots)
        self.source = f"{model} @ {' + '.join(roots)}"
        key = next((os.environ[v] for v in KEY_VARIABLES if os.environ.get(v)), None)
        self.headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}

    def run(self, batches: Iterable[list[Request]]) -> Iterator[tuple[list[Request], list[Sampled]]]:
        """One POST per request, at most `concurrency` in flight; answers in the order they come."""
        with ThreadPoolExecutor(max_workers=self.client.concurrency) as pool:
            pending, queue = {}, (request for batch in batches for request in batch)
            try:
                while True:
                    # Submit lazily: an error stops the run without queueing every remaining prompt.
                    for request in queue:
                        pending[pool.submit(self._complete, request)] = request
                        if len(pending) >= self.client.concurrency:
                            break
                    if not pending:
                        return
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield [pending.pop(future)], [future.result()]
            finally:
                for future in pending:
                    future.cancel()

    def sample(self, batch: list[Request]) -> list[Sampled]:
        return [self._complete(request) for request in batch]

    def _complete(self, request: Request) -> Sampled:
        body = {"model": self.model, "prompt": request.text, "n": request.count, "max_tokens": request.max_new_tokens,
                "temperature": request.temperature, "top_p": request.top_p, "seed": request.request_seed()}
        if request.top_k:
            body["top_k"] = request.top_k
        if request.stops:
            body["stop"] = list(request.stops)
        status, answer = self._post(body)
        if status == 400 and any(word in answer.get("message", "").lower() for word in CONTEXT_WORDS):
            return Sampled(skipped_reason=f"server: {answer['message'][:200]}", prompt_tokens=0)
        if status != 200:
            raise MpltError(f"{self.url}: HTTP {status} for prompt {request.id!r}: {answer.get('message', '')[:200]}")
        choices = sorted(answer.get("choices") or [], key=lambda c: c.get("index", 0))
        return Sampled(tuple(c.get("text") or "" for c in choices),
                       prompt_tokens=(answer.get("usage") or {}).get("prompt_tokens", 0))

    def _post(self, body: dict) -> tuple[int, dict]:
        """(status, JSON answer or {"message": ...}); retries what may pass (on another server at
        once where one is up, else after a backoff), raises on the rest."""
        data = json.dumps(body).encode("utf-8")
        attempt, wait_s = 0, self.client.backoff_s
        while True:
            url = self.servers.pick()
            ok = False
            try:
                status, answer, reason = self._post_once(url, data)
                ok = reason is None
            finally:
                self.servers.done(url, ok)
            if reason is None:
                return status, answer
            attempt += 1
            if attempt > self.client.retries:
                raise MpltError(f"{self.url}: no answer after {attempt} attempts ({reason})")
            if not self.servers.any_up():
                time.sleep(wait_s)
                wait_s = min(2 * wait_s, 60.0)

    def _post_once(self, url: str, data: bytes) -> tuple[int, dict, str | None]:
        """(status, answer, None), or (0, {}, why) for a failure worth retrying."""
        request = urllib.request.Request(url, data=data, headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.client.timeout_s) as response:
                return response.status, json.loads(response.read().decode("utf-8")), None
        except urllib.error.HTTPError as e:
            status, answer = e.code, _error_answer(e)
            if status == 404:
                raise MpltError(f"{url}: the server does not serve model {self.model!r} (HTTP 404: "
                                f"{answer['message'][:200]})") from None
            if status in (401, 403):
                raise MpltError(f"{url}: HTTP {status}; set ${KEY_VARIABLES[0]} to the server's API key") from None
            if status not in RETRY_STATUS:
                return status, answer, None
            return 0, {}, f"HTTP {status}" + (f" from {url}" if self.replicas > 1 else "")
        except (urllib.error.URLError, socket.timeout, ConnectionError, json.JSONDecodeError) as e:
            return 0, {}, str(getattr(e, "reason", e)) + (f" from {url}" if self.replicas > 1 else "")


def _error_answer(error: urllib.error.HTTPError) -> dict:
    """The error's message: OpenAI-style `{"error": {"message": ...}}`, vLLM's `{"message": ...}` or text."""
    try:
        raw = error.read().decode("utf-8", "replace")
    except OSError:
        raw = ""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {"message": raw.strip() or str(error.reason)}
    inner = parsed.get("error", parsed) if isinstance(parsed, dict) else {}
    message = inner.get("message") if isinstance(inner, dict) else inner
    return {"message": str(message or raw).replace("\n", " ")}
