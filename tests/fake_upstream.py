"""A small upstream that misbehaves on request: drops a stream, stalls, answers off-spec, compresses, echoes.

The model of a chat or messages request picks the behaviour. It runs in a thread on an ephemeral port, like the
mock in conftest.py, and keeps every request it received so tests can tell what reached it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

CHUNK = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1, "model": "fake",
         "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
                      "finish_reason": None}]}
COMPLETION = {"id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": "fake",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "Fake answer.", "refusal": None},
                           "logprobs": None, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}


def chunk(text: str, finish: str | None = None) -> bytes:
    """One Chat Completions SSE frame."""
    body = {**CHUNK, "choices": [{"index": 0, "delta": {"content": text}, "logprobs": None, "finish_reason": finish}]}
    return b"data: " + orjson.dumps(body) + b"\n\n"


class Broken(Exception):
    """Raised inside a streamed body: uvicorn drops the connection mid-answer."""


@dataclass
class FakeUpstream:
    """The running fake: its URL, what it received, and the gate a held stream waits on."""

    url: str
    received: list[dict] = field(default_factory=list)
    gate: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None

    def release(self) -> None:
        """Let a held stream go on."""
        self.loop.call_soon_threadsafe(self.gate.set)

    def hits(self, path: str) -> int:
        """How many requests reached `path`."""
        return sum(1 for r in self.received if r["path"] == path)


def app_for(fake: FakeUpstream) -> Starlette:
    """The fake's routes."""

    async def remember(request: Request) -> tuple[bytes, dict]:
        raw = await request.body()
        entry = {"method": request.method, "path": request.url.path, "query": request.url.query,
                 "headers": [(k.decode(), v.decode()) for k, v in request.headers.raw], "body": raw.decode()}
        fake.received.append(entry)
        return raw, entry

    async def chat(request: Request) -> Response:
        raw, entry = await remember(request)
        model = orjson.loads(raw).get("model", "") if raw.startswith(b"{") else ""
        if model == "echo":
            return JSONResponse(entry, headers={"set-cookie": "upstream-session=abc123xyz; Path=/",
                                                "x-org-id": "org-secret-42"})
        if model == "gate":
            return StreamingResponse(_gated(fake), media_type="text/event-stream")
        if model == "drop":
            return StreamingResponse(_dropping(), media_type="text/event-stream")
        if model == "stall-mid":
            return StreamingResponse(_stalling(), media_type="text/event-stream")
        if model == "hang":
            await asyncio.sleep(60)
        if model == "gzip":
            return Response(gzip.compress(orjson.dumps(COMPLETION)), media_type="application/json",
                            headers={"content-encoding": "gzip"})
        if model == "offspec":
            broken = {**COMPLETION, "choices": [{"index": 0, "message": {"role": "assistant", "content": "x"},
                                                 "logprobs": None, "finish_reason": "banana"}]}
            return JSONResponse(broken)
        if model == "offspec-error":
            return JSONResponse({"oops": "not an error envelope"}, status_code=400)
        if model == "offspec-stream":
            return StreamingResponse(_offspec_stream(), media_type="text/event-stream")
        return JSONResponse(COMPLETION)

    async def messages(request: Request) -> Response:
        raw, _ = await remember(request)
        if orjson.loads(raw).get("model") == "drop":
            return StreamingResponse(_anthropic_dropping(), media_type="text/event-stream")
        return JSONResponse({"type": "error", "error": {"type": "invalid_request_error", "message": "fake"}},
                            status_code=400)

    async def anything(request: Request) -> Response:
        _, entry = await remember(request)
        return JSONResponse(entry)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        fake.loop, fake.gate = asyncio.get_running_loop(), asyncio.Event()
        yield

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]),
                             Route("/v1/messages", messages, methods=["POST"]),
                             Route("/{path:path}", anything, methods=["GET", "POST", "DELETE"])], lifespan=lifespan)


async def _gated(fake: FakeUpstream) -> AsyncIterator[bytes]:
    yield chunk("first")
    await fake.gate.wait()
    yield chunk(" second", finish="stop")
    yield b"data: [DONE]\n\n"


async def _dropping() -> AsyncIterator[bytes]:
    yield chunk("one")
    yield chunk(" two")
    raise Broken("the fake upstream drops the connection mid-stream")


async def _stalling() -> AsyncIterator[bytes]:
    yield chunk("one")
    await asyncio.sleep(60)
    yield b"data: [DONE]\n\n"


async def _offspec_stream() -> AsyncIterator[bytes]:
    yield chunk("one")
    yield b'data: {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "choices": "nope"}\n\n'
    yield b"data: [DONE]\n\n"


async def _anthropic_dropping() -> AsyncIterator[bytes]:
    start = {"type": "message_start", "message": {
        "id": "msg_fake", "type": "message", "role": "assistant", "model": "drop", "content": [], "stop_reason": None,
        "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}}
    yield b"event: message_start\ndata: " + orjson.dumps(start) + b"\n\n"
    yield (b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
           b'"content_block":{"type":"text","text":""}}\n\n')
    yield (b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
           b'"delta":{"type":"text_delta","text":"Hel"}}\n\n')
    raise Broken("the fake upstream drops the connection mid-stream")


def start_fake() -> tuple[FakeUpstream, Callable[[], None]]:
    """Start the fake on a free loopback port; return it and a stopper."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    fake = FakeUpstream(f"http://127.0.0.1:{sock.getsockname()[1]}")
    config = uvicorn.Config(app_for(fake), log_level="critical", access_log=False, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and fake.gate is None:
        time.sleep(0.02)
    while time.monotonic() < deadline:
        try:
            httpx.get(fake.url + "/ready", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.02)
    fake.received.clear()

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()

    return fake, stop
