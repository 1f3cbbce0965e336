"""Stream frames in process (Chat Completions, Messages, Responses): exact SSE framing and JSON bytes, and a
stream the provider's SDK reassembles into the very answer the non-streamed render gives for the same reply."""

from __future__ import annotations

import asyncio

import anthropic
import openai
import orjson
import pytest
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletionChunk

from mockserver.core import tokens

try:
    import httpx2 as sdk_httpx  # what the current SDK majors are built on
except ImportError:  # older majors use httpx itself
    import httpx as sdk_httpx
from mockserver.core.context import RequestContext
from mockserver.core.reply import Candidate, Reply, ToolCall, Usage
from mockserver.core.services import Services
from mockserver.dialects import conversations
from mockserver.dialects import anthropic as messages
from mockserver.dialects.openai_chat import CHAT, completion_body, stream_frames
from mockserver.dialects.openai_responses_events import _padding
from mockserver.generate.engine import _clip
from mockserver.settings import Settings
from mockserver.spec import Spec
from mockserver.state import State
from mockserver.tasks.store import TaskStore

ENVELOPE = ["id", "object", "created", "model", "service_tier", "system_fingerprint", "choices"]
CHOICE = ["index", "delta", "logprobs", "finish_reason"]
LONG = "Tell me a long story about " + " ".join(f"item{i}" for i in range(70))
TRICKY = 'quote " backslash \\ tab\t newline\n emoji 😀 café \u2028 ctrl \x01 </script> ünï  two  spaces'
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
TIME = {"type": "function", "function": {
    "name": "get_time", "description": "Get the local time in a city (not the weather)",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}


@pytest.fixture(scope="module")
def services(spec: Spec) -> Services:
    state = State()
    return Services(settings=Settings(), spec=spec, state=state, tasks=TaskStore(state.jobs))


def context(services: Services, body: dict, operation: str = "createChatCompletion",
            model: str = "gpt-4o-mini") -> RequestContext:
    """A streamed request as the pipeline leaves it after validation."""
    op = next(o for o in services.spec.operations if o.operation_id == operation)
    body = {"model": model, "stream": True, **body}
    scope = {"type": "http", "method": op.method, "path": op.path, "headers": [], "query_string": b""}
    ctx = RequestContext(scope, None, services, {})
    ctx.operation, ctx.body, ctx.raw_body, ctx.stream, ctx.request_id = op, body, orjson.dumps(body), True, "req_t"
    ctx.dialect = conversations()[op.handler_name] if op.handler_name in conversations() else CHAT
    return ctx


def payloads(frames: list[bytes]) -> list[bytes]:
    """The `data:` payloads of a chunk stream, checking its SSE framing and its `[DONE]` end."""
    assert frames[-1] == b"data: [DONE]\n\n"
    out = []
    for frame in frames[:-1]:
        assert frame.startswith(b"data: {") and frame.endswith(b"}\n\n") and frame.count(b"\n") == 2
        out.append(frame[6:-2])
    return out


def check(ctx: RequestContext, reply: Reply) -> tuple[list[dict], dict]:
    """Render `reply` streamed and not; check every frame against what a client reads; return both."""
    conv = ctx.conversation
    body = completion_body(ctx, reply, conv)
    frames = stream_frames(ctx, reply, conv)
    usage_asked = (ctx.body.get("stream_options") or {}).get("include_usage") is True
    chunks = []
    for payload in payloads(frames):
        chunk = orjson.loads(payload)
        assert orjson.dumps(chunk) == payload  # compact JSON, no duplicate keys, escapes as orjson writes them
        assert list(chunk) == ENVELOPE + (["usage"] if usage_asked else [])
        assert {k: chunk[k] for k in ENVELOPE[:-1]} == {**{k: body[k] for k in ENVELOPE[:-1]},
                                                        "object": "chat.completion.chunk"}
        assert all(list(choice) == CHOICE for choice in chunk["choices"])
        chunks.append(chunk)
    if usage_asked:
        assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == body["usage"]
        assert all(c["usage"] is None for c in chunks[:-1])
        chunks = chunks[:-1]
    assert all(len(c["choices"]) == 1 for c in chunks)
    # The SDK's own accumulator gives back the non-streamed answer.
    state = ChatCompletionStreamState()
    for chunk in chunks:
        state.handle_chunk(ChatCompletionChunk.model_validate(chunk))
    final = state.current_completion_snapshot  # get_final_completion() refuses a `length` finish
    assert len(final.choices) == len(body["choices"])
    for got, want in zip(final.choices, body["choices"]):
        message = want["message"]
        assert got.finish_reason == want["finish_reason"]
        assert (got.message.content or None) == message["content"] and got.message.refusal == message["refusal"]
        calls = [(c.id, c.type, c.function.name, c.function.arguments) for c in got.message.tool_calls or []]
        assert calls == [(c["id"], c["type"], c["function"]["name"], c["function"]["arguments"])
                         for c in message.get("tool_calls", [])]
        want_logprobs = want["logprobs"]
        if want_logprobs is None:
            assert got.logprobs is None or got.logprobs.content in (None, [])
        else:
            streamed = got.logprobs.model_dump(mode="json")  # the role chunk's `content: []` opens every list
            assert (streamed["content"] or None) == want_logprobs["content"]
            assert streamed["refusal"] == want_logprobs["refusal"]
    return chunks, body


def deltas_by_choice(chunks: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for chunk in chunks:
        (choice,) = chunk["choices"]
        out.setdefault(choice["index"], []).append(choice["delta"])
    return out


def test_a_long_capped_stream_sends_one_token_per_frame(services: Services) -> None:
    ctx = context(services, {"max_tokens": 64, "messages": [{"role": "user", "content": LONG}]})
    reply = CHAT.default_reply(ctx, ctx.conversation)
    chunks, body = check(ctx, reply)
    deltas = deltas_by_choice(chunks)[0]
    assert deltas[0] == {"role": "assistant", "content": "", "refusal": None} and deltas[-1] == {}
    assert [d["content"] for d in deltas[1:-1]] == tokens.PIECE.findall(body["choices"][0]["message"]["content"])
    assert len(deltas) == 66 and body["choices"][0]["finish_reason"] == "length"
    assert all(c["choices"][0]["logprobs"] is None for c in chunks)


@pytest.mark.parametrize("text", [TRICKY, "ascii only: done.", ""])
def test_any_text_survives_the_frames(services: Services, text: str) -> None:
    ctx = context(services, {"messages": [{"role": "user", "content": text}], "service_tier": "flex"})
    reply = CHAT.default_reply(ctx, ctx.conversation)
    chunks, body = check(ctx, reply)
    assert " ".join(text.split()) in body["choices"][0]["message"]["content"]  # quoted, spaces collapsed
    assert chunks[0]["service_tier"] == "flex"


def test_n_choices_interleave_step_by_step_with_usage_last(services: Services) -> None:
    ctx = context(services, {"n": 2, "max_tokens": 9, "stream_options": {"include_usage": True},
                             "messages": [{"role": "user", "content": "Interleave these two answers"}]})
    reply = CHAT.default_reply(ctx, ctx.conversation)
    chunks, _ = check(ctx, reply)
    order = [c["choices"][0]["index"] for c in chunks]
    assert order == [0, 1] * 10 + [0, 1]  # role and 9 tokens each, step by step; then each finish


def test_logprobs_follow_each_piece(services: Services) -> None:
    ctx = context(services, {"n": 2, "logprobs": True, "top_logprobs": 2,
                             "messages": [{"role": "user", "content": TRICKY}]})
    chunks, _ = check(ctx, CHAT.default_reply(ctx, ctx.conversation))
    for chunk in chunks:
        choice = chunk["choices"][0]
        if "content" in choice["delta"] and choice["delta"]["content"]:
            assert "".join(e["token"] for e in choice["logprobs"]["content"]) == choice["delta"]["content"]


@pytest.mark.parametrize("extra", [
    {"tools": [WEATHER, TIME], "messages": [{"role": "user", "content": "The weather and local time in a city"}]},
    {"tools": [WEATHER], "tool_choice": "required", "n": 2, "stream_options": {"include_usage": True}},
])
def test_tool_calls_stream_their_arguments(services: Services, extra: dict) -> None:
    body = {"messages": [{"role": "user", "content": "What is the weather?"}], **extra}
    ctx = context(services, body)
    chunks, completion = check(ctx, CHAT.default_reply(ctx, ctx.conversation))
    assert all(choice["message"]["tool_calls"] for choice in completion["choices"])
    assert deltas_by_choice(chunks)[0][0] == {"role": "assistant", "content": None}


def test_a_refusal_streams_as_refusal_deltas(services: Services) -> None:
    ctx = context(services, {"logprobs": True, "messages": [{"role": "user", "content": "Do something bad"}]})
    refusal = "I'm sorry, but I can't help with \"that\"."
    reply = Reply(model="gpt-4o-mini", candidates=[Candidate(refusal=refusal, finish="refusal")],
                  usage=Usage(prompt_tokens=5, completion_tokens=12), key="k-refusal", created=1_700_000_000)
    chunks, _ = check(ctx, reply)
    deltas = deltas_by_choice(chunks)[0]
    assert deltas[0] == {"role": "assistant", "content": None, "refusal": ""}
    assert [d["refusal"] for d in deltas[1:-1]] == tokens.PIECE.findall(refusal)


def test_scripted_chunks_and_stop_sequences_keep_their_split(services: Services) -> None:
    ctx = context(services, {"stop": ["END"], "stream_options": {"include_usage": True},
                             "messages": [{"role": "user", "content": "Say it in pieces"}]})
    pieces = ["Hel", "lo, ", "wor", "ld \"quoted\" ", "✓"]
    reply = Reply(model="gpt-4o-mini", key="k-chunks", created=1_700_000_000,
                  candidates=[Candidate(text="".join(pieces), text_chunks=pieces, finish="stop_sequence",
                                        stop_sequence="END"),
                              Candidate(text=None, tool_calls=[ToolCall(id="call_1", name="get_weather",
                                                                        arguments={"city": "Zürich"},
                                                                        argument_chunks=['{"ci', 'ty":"Zürich"}'])],
                                        finish="tool_calls")],
                  usage=Usage(prompt_tokens=4, completion_tokens=9))
    chunks, _ = check(ctx, reply)
    deltas = deltas_by_choice(chunks)
    assert [d["content"] for d in deltas[0][1:-1]] == pieces
    assert [d["tool_calls"][0]["function"]["arguments"] for d in deltas[1][1:-1]] == ["", '{"ci', 'ty":"Zürich"}']


@pytest.mark.parametrize("text", [LONG, TRICKY, TRICKY * 3, "a  b\t\n", "  lead, trail.  ", "x…y…z",
                                  "日本語のテキスト、です。"])
def test_a_truncated_text_splits_and_counts_as_fresh_text_does(text: str) -> None:
    for limit in range(0, len(tokens.PIECE.findall(text)) + 2):
        cut, was_cut = tokens.truncate(text, limit)
        fresh = tokens.PIECE.findall(cut)  # what the remembered pieces and count must equal
        assert was_cut == (cut != text) and text.startswith(cut)
        assert tokens.split(cut) == fresh and tokens.count(cut) == len(fresh) == min(limit, len(tokens.split(text)))
        pieces = tokens.split(cut)
        pieces.append("changed")  # a caller's list is its own
        assert tokens.split(cut) == fresh


def sdk_transport(frames: list[bytes]) -> "sdk_httpx.Client":
    """An HTTP client whose every answer is these frames as one event stream (what the SDK reads off the wire)."""
    body = b"".join(frames)
    return sdk_httpx.Client(transport=sdk_httpx.MockTransport(
        lambda request: sdk_httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})))


def named_events(frames: list[bytes]) -> list[dict]:
    """Each frame's `data:` object, checking `event:` names its type and the JSON is compact orjson."""
    out = []
    for frame in frames:
        assert frame.startswith(b"event: ") and frame.endswith(b"}\n\n") and frame.count(b"\n") == 3
        event, data = frame[7:-2].split(b"\ndata: ")
        parsed = orjson.loads(data)
        assert orjson.dumps(parsed) == data and parsed["type"] == event.decode()
        out.append(parsed)
    return out


MESSAGES = {"max_tokens": 64, "messages": [{"role": "user", "content": LONG}]}


@pytest.mark.parametrize("extra", [
    {}, {"messages": [{"role": "user", "content": TRICKY}]}, {"stop_sequences": ["mockserver"]},
    {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
    {"tools": [{"name": "get_weather", "description": "weather", "input_schema": WEATHER["function"]["parameters"]}],
     "tool_choice": {"type": "any"}},
])
def test_a_messages_stream_is_what_the_sdk_assembles_into_the_message(services: Services, extra: dict) -> None:
    ctx = context(services, {**MESSAGES, **extra}, "createMessage", "claude-sonnet-4-5")
    conv = ctx.conversation
    reply = ctx.dialect.default_reply(ctx, conv)
    frames = messages.stream_frames(reply, conv)
    events = named_events(frames)
    deltas = [e for e in events if e["type"] == "content_block_delta"]
    assert all(list(e) == ["type", "index", "delta"] and list(e["delta"])[0] == "type" for e in deltas)
    assert all(e["delta"]["text"] for e in deltas if "text" in e["delta"])  # no empty text delta
    client = anthropic.Anthropic(api_key="sk-x", base_url="http://mock", http_client=sdk_transport(frames))
    with client.messages.stream(model="mock-model", max_tokens=64,
                                messages=[{"role": "user", "content": "x"}]) as stream:
        final = stream.get_final_message()
    want = messages.message(reply, conv)
    assert final.model_dump(mode="json", exclude={"usage", "container", "context_management"}, exclude_none=True) \
        == {k: v for k, v in want.items() if k != "usage" and v is not None}
    assert final.usage.output_tokens == want["usage"]["output_tokens"]


@pytest.mark.parametrize("extra", [
    {}, {"max_output_tokens": 64}, {"input": TRICKY, "stream_options": {"include_obfuscation": False}},
    {"top_logprobs": 2, "include": ["message.output_text.logprobs"]},
    {"tools": [{"type": "function", "name": "get_weather", "description": "weather",
                "parameters": WEATHER["function"]["parameters"]}], "tool_choice": "required"},
])
def test_a_responses_stream_is_what_the_sdk_assembles_into_the_response(services: Services, extra: dict) -> None:
    ctx = context(services, {"input": LONG, "store": False, **extra}, "createResponse", "gpt-4.1")
    dialect, conv = ctx.dialect, ctx.conversation
    reply = dialect.default_reply(ctx, conv)
    asyncio.run(dialect.finish_reply(ctx, reply, conv))
    frames = asyncio.run(dialect.render(ctx, reply, conv)).frames
    ctx.stream = False
    want = orjson.loads(asyncio.run(dialect.render(ctx, reply, conv)).body)
    events = named_events(frames)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[-1]["response"] == want
    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    obfuscated = (extra.get("stream_options") or {}).get("include_obfuscation") is not False
    fields = ["type", "sequence_number", "item_id", "output_index", "content_index", "delta", "logprobs"]
    assert all(list(e) == fields + ["obfuscation"] * obfuscated for e in deltas)
    for e in deltas:  # padding that evens delta sizes out to 16, the same as `add` writes for other deltas
        if obfuscated:
            assert (len(e["delta"]) + len(e["obfuscation"])) % 16 == 0
            assert e["obfuscation"] == _padding(f"{e['type']}:{e['sequence_number']}:{e['delta']}", len(e["delta"]))
    client = openai.OpenAI(api_key="sk-x", base_url="http://mock/v1", http_client=sdk_transport(frames))
    with client.responses.stream(model="gpt-4.1", input="x") as stream:
        typed = list(stream)
        final = stream.get_final_response() if want["status"] == "completed" else typed[-1].response
    assert [event.type for event in typed] == [e["type"] for e in events]
    assert final.output_text == "".join(e["delta"] for e in deltas)
    assert (final.id, final.status) == (want["id"], want["status"])
    assert final.model_dump(mode="json", exclude_none=True)["output"] == without_none(want["output"])


def without_none(value: object) -> object:
    """`value` without the null fields (the SDK's models add their own optional ones as null)."""
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value


@pytest.mark.parametrize("text", [TRICKY, "word word", "a.b", "x_y z", "é ü", "end  ",
                                  "(Answer 2.) You asked: \"hi\"."])
def test_a_text_split_from_a_known_tail_splits_as_a_whole(text: str) -> None:
    for at in range(len(text) + 1):
        tokens.known_tail(text, at, tuple(tokens.PIECE.findall(text[at:])))  # ignored where `at` is no boundary
        assert tokens.split(text) == tokens.PIECE.findall(text), at
        assert tokens.count(text) == len(tokens.PIECE.findall(text))


@pytest.mark.parametrize("prompt", [LONG, "  " + LONG.replace(" ", " \t\n "), "x" * 199 + "  y", "x" * 198 + "\n\n y",
                                    "word " * 40, "é" * 201, "a b"])
def test_a_prompt_is_quoted_with_single_spaces_and_clipped_to_200(services: Services, prompt: str) -> None:
    ctx = context(services, {"messages": [{"role": "user", "content": prompt}]})
    text = CHAT.default_reply(ctx, ctx.conversation).first.text
    single = " ".join(prompt.split())
    quoted = single if len(single) <= 200 else single[:199] + "…"
    assert text.startswith(f'You asked: "{quoted}". ')


@pytest.mark.parametrize("text", ["a" * 100 + "  " + "b" * 99 + "  ", "a" * 100 + "  " + "b" * 99 + "  c", " " * 300,
                                  " " * 150 + "x " * 60, "é" * 199 + " \u2028 " + "é" * 50, "x" * 201, "x" * 202])
def test_clipping_reads_the_whole_text_only_when_a_prefix_cannot_decide(text: str) -> None:
    single = " ".join(text.split())
    for limit in (1, 2, 100, 199, 200, 201):
        assert _clip(text, limit) == (single if len(single) <= limit else single[:limit - 1] + "…")
