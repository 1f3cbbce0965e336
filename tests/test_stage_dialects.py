"""In-process tests of each dialect: parse a body, render a reply, word an error (no server, no network)."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from mockserver.core.answers import JsonAnswer, StreamAnswer
from mockserver.core.context import RequestContext
from mockserver.core.errors import MockError
from mockserver.core.services import Services
from mockserver.dialects import conversations, providers
from mockserver.generate.engine import default_reply
from mockserver.settings import Settings
from mockserver.spec import Spec
from mockserver.state import State
from mockserver.tasks.store import TaskStore


@pytest.fixture(scope="module")
def services(spec: Spec) -> Services:
    state = State()
    return Services(settings=Settings(), spec=spec, state=state, tasks=TaskStore(state.jobs))


def context(services: Services, operation_id: str, body: dict, *, stream: bool = False,
            query: bytes = b"") -> RequestContext:
    """A request as the pipeline leaves it after validation."""
    op = next(o for o in services.spec.operations if o.operation_id == operation_id)
    raw = orjson.dumps(body)
    scope = {"type": "http", "method": op.method, "path": op.path, "headers": [], "query_string": query}
    ctx = RequestContext(scope, None, services, {})
    ctx.operation, ctx.body, ctx.raw_body, ctx.stream, ctx.request_id = op, body, raw, stream, "req_test"
    ctx.dialect = conversations().get(op.handler_name or "") or providers()[op.dialects[0]]
    ctx.path_params = {"model": "gemini-2.5-flash"} if "{model}" in op.path else {}
    return ctx


def answer_of(ctx: RequestContext):
    conv = ctx.conversation
    reply = ctx.dialect.default_reply(ctx, conv)
    return asyncio.run(ctx.dialect.render(ctx, reply, conv))


def frames(answer: StreamAnswer) -> list[bytes]:
    return asyncio.run(answer.collect())


CHAT = {"model": "gpt-4o", "messages": [{"role": "system", "content": "Be brief."},
                                        {"role": "user", "content": "What is a mock?"}]}


def test_chat_parses_into_a_neutral_conversation(services: Services) -> None:
    conv = context(services, "createChatCompletion", CHAT).conversation
    assert conv.model == "gpt-4o" and conv.system == "Be brief."
    assert conv.last_user_text() == "What is a mock?" and conv.n == 1 and conv.max_tokens is None


def test_chat_rejects_a_tool_message_without_a_pending_call(services: Services) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"},
                                            {"role": "tool", "tool_call_id": "call_1", "content": "y"}]}
    with pytest.raises(MockError) as caught:
        _ = context(services, "createChatCompletion", body).conversation
    assert caught.value.status == 400 and caught.value.param == "messages[1].tool_call_id"


def test_chat_renders_a_completion_and_a_chunk_stream(services: Services) -> None:
    answer = answer_of(context(services, "createChatCompletion", CHAT))
    assert isinstance(answer, JsonAnswer)
    body = orjson.loads(answer.body)
    assert body["object"] == "chat.completion" and body["choices"][0]["finish_reason"] == "stop"
    assert "What is a mock?" in body["choices"][0]["message"]["content"]
    stream = answer_of(context(services, "createChatCompletion", {**CHAT, "stream": True}, stream=True))
    sent = frames(stream)
    assert sent[-1] == b"data: [DONE]\n\n" and all(f.startswith(b"data: ") for f in sent)
    text = "".join(orjson.loads(f[6:])["choices"][0]["delta"].get("content") or ""
                   for f in sent[:-1] if orjson.loads(f[6:])["choices"])
    assert text == body["choices"][0]["message"]["content"]


def test_anthropic_stream_events_come_in_order(services: Services) -> None:
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": True,
            "messages": [{"role": "user", "content": "Hi"}]}
    sent = frames(answer_of(context(services, "createMessage", body, stream=True)))
    kinds = [orjson.loads(f.split(b"data: ", 1)[1])["type"] for f in sent]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    assert kinds[1] == "content_block_start" and "content_block_stop" in kinds
    assert all(f.startswith(b"event: ") for f in sent)


def test_gemini_streams_complete_responses_with_crlf(services: Services) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}
    ctx = context(services, "geminiStreamGenerateContent", body, stream=True, query=b"alt=sse")
    sent = frames(answer_of(ctx))
    assert all(f.startswith(b"data: ") and f.endswith(b"\r\n\r\n") for f in sent)
    assert orjson.loads(sent[-1][6:])["candidates"][0]["finishReason"] == "STOP"


def test_responses_render_stores_the_response(services: Services) -> None:
    ctx = context(services, "createResponse", {"model": "gpt-4.1", "input": "Hello"})
    answer = answer_of(ctx)
    body = orjson.loads(answer.body)
    assert body["object"] == "response" and body["status"] == "completed"
    assert asyncio.run(services.state.responses.get(body["id"])) is not None


@pytest.mark.parametrize("name, expected", [
    ("openai", {"error": {"message": "nope", "type": "invalid_request_error", "param": "model", "code": None}}),
    ("anthropic", {"type": "error", "error": {"type": "invalid_request_error", "message": "nope"},
                   "request_id": "req_1"}),
    ("gemini", {"error": {"code": 400, "message": "nope", "status": "INVALID_ARGUMENT", "details": [
        {"@type": "type.googleapis.com/google.rpc.BadRequest",
         "fieldViolations": [{"field": "model", "description": "nope"}]}]}}),
    ("midjourney", {"code": 4, "description": "nope", "result": None, "properties": {}, "type": "upstream_error"}),
    ("suno", {"code": "invalid_request", "message": "nope", "data": None}),
    ("hailuo", {"task_id": "", "base_resp": {"status_code": 2013, "status_msg": "nope"}}),
    ("runway", {"error": "nope", "issues": [{"path": ["model"], "message": "nope"}]}),
])
def test_each_provider_words_errors_its_own_way(name: str, expected: dict) -> None:
    assert providers()[name].error_body(MockError(400, "nope", param="model", code=""), "req_1") == expected


def test_request_ids_go_where_each_sdk_reads_them() -> None:
    assert providers()["anthropic"].request_id_headers("req_1") == {"request-id": "req_1", "x-request-id": "req_1"}
    assert providers()["openai"].request_id_headers("req_1") == {"x-request-id": "req_1"}


def test_the_default_reply_is_deterministic_per_key() -> None:
    from mockserver.core.conversation import Conversation, Message

    conv = Conversation(model="m", messages=[Message(role="user", text="Ping")])
    first, again = default_reply(conv, key="k1", seed=0), default_reply(conv, key="k1", seed=0)
    assert first.first.text == again.first.text and "Ping" in first.first.text
    assert first.usage.prompt_tokens > 0 and first.usage.completion_tokens > 0
