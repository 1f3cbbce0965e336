"""The requests the benchmark sends: each body carries a counter, so no two requests are the same."""

from __future__ import annotations

import json
from dataclasses import dataclass

MARK = "@N@"
BEARER = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}
ANTHROPIC = {"x-api-key": "sk-bench", "anthropic-version": "2023-06-01", "Content-Type": "application/json"}
# A prompt long enough that the mock's default reply (which quotes it) runs past max_tokens: 64 content chunks.
LONG_PROMPT = "[bench:stream] Tell me a long story about " + " ".join(f"item{i}" for i in range(70))
STREAM_TOKENS = 64


@dataclass(frozen=True)
class Shape:
    """One kind of request; `MARK` in the body is replaced by the request's number."""

    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None

    def render(self, n: int) -> bytes:
        """The body of request number `n`."""
        return (self.body or "").replace(MARK, str(n)).encode()

    def halves(self) -> tuple[str, str]:
        """The body split around the counter (for wrk's Lua)."""
        prefix, _, suffix = (self.body or "").partition(MARK)
        return prefix, suffix


def _post(name: str, path: str, headers: dict[str, str], body: dict) -> Shape:
    text = json.dumps(body, separators=(",", ":"))
    assert MARK in text, f"{name}: the body must vary per request"
    return Shape(name, "POST", path, headers, text)


CHAT = _post("chat", "/v1/chat/completions", BEARER, {
    "model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 64,
    "messages": [{"role": "system", "content": "You are terse."},
                 {"role": "user", "content": f"Name three prime numbers. (request {MARK})"}]})
MESSAGES = _post("messages", "/v1/messages", ANTHROPIC, {
    "model": "claude-sonnet-4-5", "max_tokens": 64,
    "messages": [{"role": "user", "content": f"Name three prime numbers. (request {MARK})"}]})
EMBEDDINGS = _post("embeddings", "/v1/embeddings", BEARER, {
    "model": "text-embedding-3-small", "input": f"The quick brown fox jumps over the lazy dog, take {MARK}."})
STREAM = _post("stream", "/v1/chat/completions", BEARER, {
    "model": "gpt-4o-mini", "stream": True, "max_tokens": STREAM_TOKENS,
    "messages": [{"role": "user", "content": f"{LONG_PROMPT} #{MARK}"}]})

# The same long stream in the Messages and Responses dialects (bench/icount.py prices them; `make bench` does not).
MESSAGES_STREAM = _post("messages-stream", "/v1/messages", ANTHROPIC, {
    "model": "claude-sonnet-4-5", "stream": True, "max_tokens": STREAM_TOKENS,
    "messages": [{"role": "user", "content": f"{LONG_PROMPT} #{MARK}"}]})
RESPONSES_STREAM = _post("responses-stream", "/v1/responses", BEARER, {
    "model": "gpt-4.1", "stream": True, "max_output_tokens": STREAM_TOKENS, "input": f"{LONG_PROMPT} #{MARK}"})

PACED_MODEL = "bench-paced"


def paced(tokens: int, tokens_per_second: float) -> Shape:
    """A chat stream of `tokens` content chunks that the bench-paced scenario (or the bare app's header) paces."""
    return _post("paced", "/v1/chat/completions", BEARER | {"X-Bench-Pace-Ms": f"{1000 / tokens_per_second:g}"}, {
        "model": PACED_MODEL, "stream": True, "max_tokens": tokens,
        "messages": [{"role": "user", "content": f"{LONG_PROMPT} #{MARK}"}]})


def paced_scenario(tokens_per_second: float) -> dict:
    """The scenario that paces `paced()` streams (posted to /_mock/scenarios)."""
    return {"name": "bench-paced", "description": "bench: paced streams",
            "match": {"model": PACED_MODEL}, "stream": {"tokens_per_second": tokens_per_second}}


MJ_FETCH = "/mj/task/{id}/fetch"
# The memory workload's mix, in order; `mj-fetch` polls a job an earlier `mj-submit` created.
MIX = [
    CHAT,
    _post("chat-stream", "/v1/chat/completions", BEARER, {
        "model": "gpt-4o-mini", "stream": True, "max_tokens": 16,
        "messages": [{"role": "user", "content": f"Stream me something, take {MARK}."}]}),
    MESSAGES,
    _post("responses", "/v1/responses", BEARER, {"model": "gpt-4.1", "store": True,
                                                 "input": f"Remember this, take {MARK}."}),
    EMBEDDINGS,
    _post("mj-submit", "/mj/submit/imagine", BEARER, {"prompt": f"a lighthouse at dusk, take {MARK}"}),
    Shape("mj-fetch", "GET", MJ_FETCH, BEARER),
    _post("images", "/v1/images/generations", BEARER, {
        "model": "dall-e-2", "prompt": f"a sea otter, take {MARK}", "size": "256x256", "response_format": "url"}),
]
