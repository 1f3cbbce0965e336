"""The contract's validation API, in process: SSE parsing, each stream grammar, event schemas, bodies, envelopes.

These are the checks `mockserver contract` registers with Schemathesis and a validating proxy calls directly;
each drift below is one a real gateway could ship.
"""

from __future__ import annotations

import json

import pytest

from mockserver.contract import SseParser, StreamChecker, Violation, check_stream, parse_sse, violations_for_response
from mockserver.core.errors import MockError
from mockserver.dialects import providers

JSON = {"content-type": "application/json"}
SSE = {"content-type": "text/event-stream; charset=utf-8"}


def frames(*events: dict | str, named: bool = False, end: str = "\n") -> bytes:
    """An SSE body: each event a `data:` line (with `event: <type>` when `named`), then a blank line."""
    out = ""
    for event in events:
        data = event if isinstance(event, str) else json.dumps(event)
        head = f"event: {event['type']}{end}" if named and isinstance(event, dict) else ""
        out += f"{head}data: {data}{end}{end}"
    return out.encode()


def found(violations: list[Violation], check: str | None = None) -> list[str]:
    return [str(v) for v in violations if check is None or v.check == check]


def chunk(index: int = 0, **delta: object) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o",
            "choices": [{"index": index, "delta": delta, "logprobs": None, "finish_reason": None}]}


# ---------------------------------------------------------------- parser

def test_parser_gives_the_same_events_whatever_the_split() -> None:
    body = "event: a\r\ndata: {\"x\": \"é\"}\r\n\r\n: keep-alive\n\ndata: one\ndata: two\rid: 7\r\r".encode()
    whole = parse_sse(body)
    for cut in range(1, len(body)):
        parser = SseParser()
        assert parser.feed(body[:cut]) + parser.feed(body[cut:]) + parser.close() == whole
    assert [(e.event, e.data, e.comment, e.id) for e in whole] == [
        ("a", '{"x": "é"}', None, None), (None, None, "keep-alive", None), (None, "one\ntwo", None, "7")]


def test_parser_keeps_the_framing_a_grammar_needs() -> None:
    event, = parse_sse(b"data:{}\n\n")
    assert event.bare_data and event.event is None and event.fields == ("data",)
    parser = SseParser()
    parser.feed(b"data: {\"half\"")
    parser.close()
    assert parser.unfinished


# ---------------------------------------------------------------- grammars and event schemas

def test_every_documented_stream_example_passes(spec) -> None:
    examples = [(op, ex) for op in spec.operations for ex in op.examples if ex.media_type == "text/event-stream"]
    assert len(examples) >= 8
    for op, example in examples:
        assert check_stream(spec, op, example.value.encode(), example.status) == [], (op.operation_id, example.name)


def test_chat_stream_without_done_is_reported_at_its_end(spec) -> None:
    body = frames(chunk(role="assistant", content=""), chunk(content="Hi"))
    assert found(check_stream(spec, "createChatCompletion", body)) == [
        "end of stream: expected data: [DONE] as the last event, got the body ended after 2 event(s), the last data"]


def test_chat_stream_rules_the_stream_helpers_rely_on(spec) -> None:
    other_id = {**chunk(content="x"), "id": "chatcmpl-2"}
    body = frames(chunk(role="assistant", content=""), chunk(role="assistant", content="a"), other_id, "[DONE]",
                  chunk(content="late"))
    assert found(check_stream(spec, "createChatCompletion", body)) == [
        "event 2 (data): data.choices[0].delta.role: expected no role after the choice's first delta (stream "
        "helpers concatenate it), got \"assistant\"",
        "event 3 (data): data.id: expected \"chatcmpl-1\" (the first chunk's id), got \"chatcmpl-2\"",
        "event 5 (data): event: expected nothing after data: [DONE], got data"]


def test_chat_chunk_with_a_wrong_type_names_the_field(spec) -> None:
    bad = chunk(content="x")
    bad["choices"][0]["index"] = "0"
    del bad["created"]
    violations = check_stream(spec, "createChatCompletion", frames(bad, "[DONE]"))
    assert found(violations, "stream_event_conformance") == [
        "event 1 (data): data.created: expected a value (the field is required), got no such field",
        "event 1 (data): data.choices[0].index: expected integer, got string \"0\""]


def test_chat_stream_with_event_lines_breaks_old_sdks(spec) -> None:
    body = b"event: message\ndata: " + json.dumps(chunk(content="x")).encode() + b"\n\ndata: [DONE]\n\n"
    assert found(check_stream(spec, "createChatCompletion", body)) == [
        "event 1 (message): event: expected no `event:` line (a data-only stream), got event: message"]


def test_a_mid_stream_error_ends_a_chat_stream(spec) -> None:
    error = {"error": {"message": "overloaded", "type": "server_error", "param": None, "code": None}}
    assert check_stream(spec, "createChatCompletion", frames(chunk(role="assistant", content=""), error)) == []


def response_event(kind: str, number: int, **fields: object) -> dict:
    return {"type": kind, "sequence_number": number, **fields}


def lifecycle(kind: str, number: int, status: str = "in_progress", response_id: str = "resp_1") -> dict:
    response = {"id": response_id, "object": "response", "created_at": 1, "status": status, "model": "gpt-4.1",
                "output": [], "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}
    return response_event(kind, number, response=response)


def test_responses_sequence_numbers_must_increase(spec) -> None:
    delta = {"item_id": "msg_1", "output_index": 0, "content_index": 0, "logprobs": []}
    body = frames(lifecycle("response.created", 0), lifecycle("response.in_progress", 1),
                  response_event("response.output_text.delta", 2, delta="a", **delta),
                  response_event("response.output_text.delta", 2, delta="b", **delta),
                  lifecycle("response.completed", 3, "completed"), named=True)
    assert found(check_stream(spec, "createResponse", body)) == [
        "event 4 (response.output_text.delta): data.sequence_number: expected a number greater than 2 (the "
        "previous event's), got 2"]


def test_responses_stream_order_terminal_and_identity(spec) -> None:
    body = frames(lifecycle("response.in_progress", 0), lifecycle("response.created", 1, response_id="resp_2"),
                  named=True)
    assert found(check_stream(spec, "createResponse", body)) == [
        "event 1 (response.in_progress): event: expected response.created as the first event, got "
        "\"response.in_progress\"",
        "event 2 (response.created): data.response.id: expected \"resp_1\" (the id response.created announced), "
        "got \"resp_2\"",
        "end of stream: expected response.completed, response.failed or response.incomplete as the last event, "
        "got the body ended after 2 event(s), the last response.created"]


def test_an_undocumented_responses_event_is_named(spec) -> None:
    body = frames(lifecycle("response.created", 0), response_event("response.mystery", 1),
                  lifecycle("response.completed", 2, "completed"), named=True)
    assert found(check_stream(spec, "createResponse", body), "stream_event_conformance") == [
        "event 2 (response.mystery): event: expected one of error, response.completed, "
        "response.content_part.added, response.content_part.done, response.created, "
        "response.custom_tool_call_input.delta, response.custom_tool_call_input.done, response.failed, "
        "response.function_call_arguments.delta, response.function_call_arguments.done, response.in_progress, "
        "response.incomplete, response.output_item.added, response.output_item.done, "
        "response.output_text.annotation.added, response.output_text.delta, response.output_text.done, "
        "response.queued, response.reasoning_summary_part.added, response.reasoning_summary_part.done, "
        "response.reasoning_summary_text.delta, response.reasoning_summary_text.done, response.refusal.delta, "
        "response.refusal.done, got \"response.mystery\""]


MESSAGE = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude", "content": [],
           "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 1}}


def anthropic(*events: dict) -> bytes:
    return frames(*events, named=True)


def test_anthropic_events_out_of_order(spec) -> None:
    body = anthropic({"type": "message_start", "message": MESSAGE},
                     {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "a"}},
                     {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
                     {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}},
                     {"type": "message_stop"})
    assert found(check_stream(spec, "createMessage", body)) == [
        "event 2 (content_block_delta): event: expected content_block_start before a block's deltas and stop, "
        "got content_block_delta",
        "event 3 (content_block_start): data.index: expected 0 (blocks count from 0 in start order), got 1",
        "event 4 (message_delta): event: expected content_block_stop for block 1 first, got message_delta",
        "event 5 (message_stop): event: expected content_block_stop for block 1 before message_stop, got "
        "message_stop"]


def test_anthropic_message_delta_needs_output_tokens_and_events_need_names(spec) -> None:
    body = anthropic({"type": "message_start", "message": MESSAGE},
                     {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {}})
    body += b"data: {\"type\": \"message_stop\"}\n\n"
    assert found(check_stream(spec, "createMessage", body)) == [
        "event 2 (message_delta): data.usage.output_tokens: expected a value (the field is required), got no "
        "such field",
        "event 3 (message_stop): event: expected an `event:` line (\"message_stop\"): the SDK drops events "
        "without one, got none"]


def test_gemini_framing_the_sdk_cannot_parse(spec) -> None:
    candidate = {"candidates": [{"content": {"role": "model", "parts": [{"text": "hi"}]}, "index": 0}]}
    body = b": keep-alive\r\n\r\ndata:" + json.dumps(candidate).encode() + b"\r\n\r\ndata: [DONE]\r\n\r\n"
    assert found(check_stream(spec, "geminiStreamGenerateContent", body)) == [
        "comment before event 1: comment: expected no comment lines (the SDK parses every line as JSON), got "
        ": keep-alive",
        "event 1 (data): data: expected `data: ` with a space (the SDK matches it exactly), got `data:` without",
        "event 2 ([DONE]): data: expected JSON, got \"[DONE]\"",
        "event 2 ([DONE]): data: expected a GenerateContentResponse (the SDK cannot parse [DONE]), got [DONE]",
        "end of stream: expected finishReason on the last chunk, got a last chunk without one"]


def test_typed_audio_events_end_with_done(spec) -> None:
    body = frames({"type": "speech.audio.delta", "audio": "AAAA"}, named=True)
    assert found(check_stream(spec, "createSpeech", body)) == [
        "end of stream: expected a final *.done event, got the body ended after 1 event(s), the last "
        "speech.audio.delta"]


def test_stream_checker_works_event_by_event(spec) -> None:
    checker = StreamChecker(spec, "createChatCompletion")
    body = frames(chunk(role="assistant", content=""), chunk(role="assistant", content="x"), "[DONE]")
    seen = [found(checker.feed_bytes(body[i:i + 1])) for i in range(len(body))]
    first_bad = next(i for i, v in enumerate(seen) if v)
    assert body[:first_bad + 1].count(b"\n\n") == 2  # reported as soon as the second event completes
    assert checker.finish() == []
    with pytest.raises(LookupError):
        StreamChecker(spec, "createEmbedding")


# ---------------------------------------------------------------- whole answers

def test_json_body_status_and_content_type(spec) -> None:
    body = {"object": "list", "data": [{"object": "embedding", "index": "0", "embedding": [0.1]}],
            "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}}
    assert found(violations_for_response(spec, "createEmbedding", 200, JSON, json.dumps(body).encode())) == [
        "data[0].index: expected integer, got string \"0\""]
    assert found(violations_for_response(spec, "createEmbedding", 418, JSON, b"{}")) == [
        "status: expected one of 200, 400, 401, 404, 415, 429, 500, got 418",
        "error: expected a value (the field is required), got no such field"]
    assert found(violations_for_response(spec, "createEmbedding", 200, {"content-type": "text/html"}, b"<p>")) == [
        "content-type: expected one of application/json, got text/html"]


def test_error_envelopes_per_provider(spec) -> None:
    anthropic_error = {"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}
    openai_error = {"error": {"message": "bad", "type": "invalid_request_error", "param": None, "code": None}}
    assert violations_for_response(spec, "createMessage", 400, JSON, json.dumps(anthropic_error).encode()) == []
    wrong = violations_for_response(spec, "createMessage", 400, JSON, json.dumps(openai_error).encode())
    assert [v.check for v in wrong] == ["error_envelope_conformance"]
    assert found(wrong) == ["type: expected a value (the field is required), got no such field"]
    undocumented = violations_for_response(spec, "createMessage", 409, JSON, json.dumps(openai_error).encode())
    assert [v.check for v in undocumented] == ["status_code_conformance", "error_envelope_conformance"]


def test_every_dialect_error_body_is_in_its_documented_envelope(spec) -> None:
    """The mock's own envelopes (one per provider dialect) match the schemas the checks hold a gateway to."""
    checked = set()
    for op in spec.operations:
        dialect = providers().get(op.dialect)
        if dialect is None or dialect.name in checked:
            continue
        for status in (400, 404, 429, 500):
            if str(status) not in op.raw.get("responses", {}):
                continue
            body = dialect.error_body(MockError(status, "something is wrong", param="model"), "req_1")
            headers = {"content-type": "application/json"}
            assert violations_for_response(spec, op, status, headers, json.dumps(body).encode()) == [], (
                op.operation_id, status)
            checked.add(dialect.name)
    assert {"openai", "anthropic", "gemini", "midjourney", "kling", "suno"} <= checked
