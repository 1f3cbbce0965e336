"""A small gateway that drifted from the spec, on purpose: the contract command must catch each drift.

Not the mock: its own Starlette app, with one drift per operation (and a 429 that says when to retry):

- createChatCompletion: `created` is a string; a stream never sends `data: [DONE]`;
- createMessage: the answer has no `usage`; a stream sends a block's delta before its start;
- createResponse: a stream repeats a `sequence_number`;
- createEmbedding: errors in a made-up envelope, echoing the key it was sent;
- klingCreateText2Video / klingGetText2Video: the job reports a status Kling does not have;
- countMessageTokens: the first request gets a 429 with `retry-after: 0`, then a correct answer.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def sse(*events: dict | str, named: bool = False) -> Response:
    """A whole event stream as one body."""
    out = ""
    for event in events:
        data = event if isinstance(event, str) else json.dumps(event)
        head = f"event: {event['type']}\n" if named and isinstance(event, dict) else ""
        out += f"{head}data: {data}\n\n"
    return Response(out, media_type="text/event-stream")


async def body_of(request: Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def chunk(content: str) -> dict:
    return {"id": "chatcmpl-d", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o",
            "choices": [{"index": 0, "delta": {"content": content}, "logprobs": None, "finish_reason": None}]}


async def chat(request: Request) -> Response:
    if (await body_of(request)).get("stream") is True:
        return sse(chunk("Hel"), chunk("lo"))  # no data: [DONE]
    return JSONResponse({"id": "chatcmpl-d", "object": "chat.completion", "created": "yesterday", "model": "gpt-4o",
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": "Hello"}}]})


MESSAGE = {"id": "msg_d", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": [],
           "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 1}}


async def messages(request: Request) -> Response:
    if (await body_of(request)).get("stream") is True:
        return sse({"type": "message_start", "message": MESSAGE},
                   {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
                   {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                   {"type": "content_block_stop", "index": 0},
                   {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}},
                   {"type": "message_stop"}, named=True)
    answer = {**MESSAGE, "content": [{"type": "text", "text": "Hi"}], "stop_reason": "end_turn"}
    del answer["usage"]
    return JSONResponse(answer)


def response_object(status: str) -> dict:
    return {"id": "resp_d", "object": "response", "created_at": 1, "status": status, "model": "gpt-4.1",
            "output": [], "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}


async def responses(request: Request) -> Response:
    if (await body_of(request)).get("stream") is True:
        return sse({"type": "response.created", "sequence_number": 0, "response": response_object("in_progress")},
                   {"type": "response.in_progress", "sequence_number": 1, "response": response_object("in_progress")},
                   {"type": "response.completed", "sequence_number": 1, "response": response_object("completed")},
                   named=True)
    return JSONResponse(response_object("completed"))


async def embeddings(request: Request) -> Response:
    key = request.headers.get("authorization", "")[7:]
    return JSONResponse({"message": f"Bad request for key {key}", "status": "fail"}, status_code=400)


async def kling_submit(request: Request) -> Response:
    return JSONResponse({"code": 0, "message": "SUCCEED", "request_id": "r1",
                         "data": {"task_id": "Cj-drift", "task_status": "submitted", "created_at": 1, "updated_at": 1}})


async def kling_fetch(request: Request) -> Response:
    return JSONResponse({"code": 0, "message": "SUCCEED", "request_id": "r2",
                         "data": {"task_id": request.path_params["task_id"], "task_status": "rendering"}})


class Gateway:
    """The drifted app and what it saw: requests per path, the keys sent."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.keys: list[str] = []

    def counted(self, handler: Callable) -> Callable:
        async def wrapped(request: Request) -> Response:
            self.hits[request.url.path] += 1
            self.keys.append(request.headers.get("authorization", ""))
            return await handler(request)
        return wrapped

    async def count_tokens(self, request: Request) -> Response:
        if self.hits[request.url.path] == 1:
            return JSONResponse({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
                                status_code=429, headers={"retry-after": "0"})
        return JSONResponse({"input_tokens": 3})

    def app(self) -> Starlette:
        routes = [("/v1/chat/completions", chat, ["POST"]), ("/v1/messages", messages, ["POST"]),
                  ("/v1/responses", responses, ["POST"]), ("/v1/embeddings", embeddings, ["POST"]),
                  ("/v1/messages/count_tokens", self.count_tokens, ["POST"]),
                  ("/kling/v1/videos/text2video", kling_submit, ["POST"]),
                  ("/kling/v1/videos/text2video/{task_id}", kling_fetch, ["GET"])]
        return Starlette(routes=[Route(path, self.counted(handler), methods=methods)
                                 for path, handler, methods in routes])

    @property
    def requests(self) -> int:
        """Requests received, all paths."""
        return sum(self.hits.values())


def serve(app: Starlette) -> tuple[str, Callable[[], None]]:
    """Run `app` with uvicorn in a thread on a free loopback port; its URL and a stopper."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not server.started:
        time.sleep(0.01)
    httpx.get(url + "/ready", timeout=5)  # any answer: the socket accepts

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()

    return url, stop
