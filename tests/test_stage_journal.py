"""In-process tests of the journal: what it keeps of an answer, how a paced stream is followed, filters, feed hooks,
the readers of `from_exchange` and the curl text (no server, no network)."""

from __future__ import annotations

import asyncio
import shlex
import time

import pytest

from mockserver.admin.curl import curl_for
from mockserver.core.answers import RESET, Answer, JsonAnswer, ResetAnswer, StreamAnswer, frames_of, sse_frame
from mockserver.pipeline.pace import StreamPlan, paced
from mockserver.pipeline.tape import follow
from mockserver.scenarios.from_exchange import Exchange, read_reply, scenario_for
from mockserver.scenarios.loader import dump_yaml, parse_text
from mockserver.state.journal import BODY_LIMIT, STREAM_LIMIT, Journal, JournalEntry, entry_filter
from mockserver.state.preview import model_of, preview_of


def entry(answer: Answer | None = None, *, path: str = "/v1/chat/completions", body: bytes = b"{}", status: int = 200,
          headers: dict | None = None, plan: StreamPlan | None = None, label: str = "chat:create") -> JournalEntry:
    return JournalEntry(method="POST", path=path, query_string=b"", operation="createChatCompletion",
                        headers=headers or {"authorization": "Bearer sk-secret-key"}, raw_body=body, form=None,
                        status=status, answered_by=label, elapsed_ms=1.5, request_id="req_1", answer=answer,
                        started=time.perf_counter(), plan=plan)


async def drain(stream: StreamAnswer) -> list[object]:
    return [frame async for frame in stream.frames]


def test_a_json_answer_is_kept_by_reference_and_read_back_as_json() -> None:
    answer = JsonAnswer({"ok": True}, headers={"x-request-id": "req_1"})
    kept = entry(answer)
    assert kept.answer is answer  # no copy on the request path
    response = kept.detail()["response"]
    assert response == {"kind": "body", "status": 200, "headers": {"x-request-id": "req_1",
                                                                    "content-type": "application/json"},
                        "body_bytes": 11, "truncated": False, "body": {"ok": True}}


def test_a_large_body_is_cut_to_its_bound_and_binary_is_not_shown() -> None:
    big = JsonAnswer({"data": "x" * (BODY_LIMIT * 2)})
    response = entry(big).detail()["response"]
    assert response["truncated"] and response["body_bytes"] == len(big.body)
    assert isinstance(response["body"], str) and len(response["body"].encode()) <= BODY_LIMIT
    audio = entry(Answer(b"\x00\x01RIFF", media_type="audio/wav")).detail()["response"]
    assert audio["binary"] and audio["body"] is None and audio["body_bytes"] == 6


def test_an_unpaced_stream_keeps_its_frames_list_and_reads_each_event() -> None:
    frames = [sse_frame({"choices": [{"delta": {"content": "Hi"}}]}), sse_frame({"x": 1}, event="done"),
              b": keep-alive\n\n", b"data: [DONE]\n\n"]
    answer = StreamAnswer(frames)
    kept = entry(answer)
    assert kept.answer.frames is answer.frames and kept.complete and kept.tape is None
    stream = kept.detail()["response"]
    assert [e.get("event") for e in stream["events"]] == [None, "done", None, None]
    assert stream["events"][0]["data"] == {"choices": [{"delta": {"content": "Hi"}}]}
    assert stream["events"][2] == {"t_ms": 1.5, "comment": "keep-alive"}
    assert stream["events"][3]["data"] == "[DONE]" and "not_json" not in stream["events"][3]
    assert stream["ttft_ms"] == 1.5 and stream["duration_ms"] == 1.5 and stream["cut"] is None


def test_a_stream_of_large_frames_is_bounded_and_small_ones_kept_by_reference() -> None:
    partial = sse_frame({"type": "image_generation.partial_image", "b64_json": "A" * 60_000})
    kept = entry(StreamAnswer([partial] * 6))
    assert len(kept.answer.frames) == STREAM_LIMIT // len(partial) and kept.detail()["response"]["truncated"]
    final = sse_frame({"type": "response.completed", "response": {"text": "z" * 2000}})
    small = StreamAnswer([sse_frame({"delta": "x"})] * 150 + [final])
    assert entry(small).answer is small  # 300 KB as estimated from its ends, 5 KB in fact


def test_a_huge_unpaced_stream_keeps_only_its_first_frames() -> None:
    frame = sse_frame({"delta": "y" * 1000})
    kept = entry(StreamAnswer([frame] * (STREAM_LIMIT // 1000 + 50)))
    assert 0 < sum(map(len, kept.answer.frames)) <= STREAM_LIMIT
    assert kept.detail()["response"]["truncated"]


def test_a_paced_stream_is_followed_frame_by_frame_and_reported_when_over() -> None:
    journal = Journal()
    heard: list[tuple[int, bool]] = []
    journal.subscribe(lambda e: heard.append((e.id, e.complete)))
    frames = [sse_frame({"choices": [{"delta": {"content": w}}]}) for w in ("a", "b", "c")]
    answer = StreamAnswer(frames_of(frames))
    kept = entry(answer)
    journal.record(kept)
    assert kept.tape.timed == [] and not kept.complete and kept.to_json()["complete"] is False
    answer.frames = follow(answer.frames, kept, journal)
    sent = asyncio.run(drain(answer))
    assert sent == frames
    assert [frame for _, frame in kept.tape.timed] == frames
    times = [t for t, _ in kept.tape.timed]
    assert times == sorted(times) and kept.finished_ms >= times[-1]
    assert heard == [(1, False), (1, True)]
    assert kept.to_json()["complete"] is True and kept.to_json()["cut"] is None


def test_a_reset_stream_says_where_it_was_cut() -> None:
    journal = Journal()
    frames = [sse_frame({"choices": [{"delta": {"content": str(i)}}]}) for i in range(8)]
    plan = StreamPlan(stop_after=5, reset=True)
    answer = StreamAnswer(paced(frames, plan))
    kept = entry(answer, plan=plan)
    journal.record(kept)
    answer.frames = follow(answer.frames, kept, journal)
    sent = asyncio.run(drain(answer))
    assert sent[-1] is RESET and len(sent) == 6
    assert kept.cut == "reset" and kept.to_json()["cut"] == "reset"
    assert kept.detail()["response"]["cut"] == "connection reset after 5 events"


def test_a_reset_right_after_the_last_frame_still_resets() -> None:
    frames = [sse_frame({"n": i}) for i in range(3)]
    sent = asyncio.run(drain(StreamAnswer(paced(frames, StreamPlan(stop_after=3, reset=True)))))
    assert sent == [*frames, RESET]
    assert asyncio.run(drain(StreamAnswer(paced(frames, StreamPlan(stop_after=3))))) == frames


@pytest.mark.parametrize(("plan", "said"), [
    (StreamPlan(error_at=2, error_frame=lambda frames, i: sse_frame({"error": {"message": "Overloaded"}})),
     "error event after 2 events (error_at)"),
    (StreamPlan(stop_after=3), "stopped cleanly after 3 events, without the stream's end (stop_after)"),
    (StreamPlan(malformed_at=1), "frame 1 sent with its JSON cut in half (malformed_at)"),
])
def test_stream_faults_are_named(plan: StreamPlan, said: str) -> None:
    journal = Journal()
    frames = [sse_frame({"choices": [{"delta": {"content": str(i)}}]}) for i in range(6)]
    answer = StreamAnswer(paced(frames, plan))
    kept = entry(answer, plan=plan)
    journal.record(kept)
    answer.frames = follow(answer.frames, kept, journal)
    asyncio.run(drain(answer))
    assert kept.detail()["response"]["cut"] == said


def test_a_reset_answer_is_journaled_as_a_reset() -> None:
    kept = entry(ResetAnswer())
    assert kept.to_json()["reset"] is True
    assert kept.detail()["response"]["cut"] == "connection reset before any byte was sent"


def test_secrets_stay_redacted_in_the_summary_and_the_detail() -> None:
    kept = entry(JsonAnswer({}, headers={"set-cookie": "session=abcdef"}))
    detail = kept.detail()
    assert detail["headers"]["authorization"] == "Bearer sk-…"
    assert detail["response"]["headers"]["set-cookie"] == "ses…"


def test_ids_find_entries_after_older_ones_are_dropped() -> None:
    journal = Journal(limit=3)
    for _ in range(5):
        journal.record(entry(JsonAnswer({})))
    assert journal.find(2) is None and journal.find(5).id == 5 and journal.find(3).id == 3
    assert asyncio.run(journal.get(4))["id"] == 4 and asyncio.run(journal.get(99)) is None
    assert [e["id"] for e in asyncio.run(journal.query(since=3))] == [4, 5]


def test_unsubscribe_stops_the_listener() -> None:
    journal = Journal()
    heard: list[int] = []
    stop = journal.subscribe(lambda e: heard.append(e.id))
    journal.record(entry(JsonAnswer({})))
    stop()
    journal.record(entry(JsonAnswer({})))
    assert heard == [1] and journal.listeners == []


def test_filters_take_a_status_class_and_free_text() -> None:
    body = b'{"model":"gpt-4o","messages":[{"role":"user","content":"Find the Weather"}]}'
    ok, failed = entry(JsonAnswer({}), body=body).to_json(), entry(JsonAnswer({}), status=503).to_json()
    assert entry_filter(status="5xx")(failed) and not entry_filter(status="5xx")(ok)
    assert entry_filter(status=200)(ok) and not entry_filter(status=200)(failed)
    assert entry_filter(text="weather")(ok) and entry_filter(text="GPT-4O")(ok) and not entry_filter(text="weather")(failed)
    assert entry_filter(path="/v1/chat/*")(ok) and not entry_filter(path="/v1/chat")(ok)


@pytest.mark.parametrize(("body", "path", "model", "preview"), [
    ({"model": "gpt-4o", "messages": [{"role": "system", "content": "be brief"},
                                      {"role": "user", "content": [{"type": "text", "text": "Hello\n  there"}]}]},
     "/v1/chat/completions", "gpt-4o", "Hello there"),
    ({"contents": [{"role": "user", "parts": [{"text": "Gemini asks"}]}]},
     "/v1beta/models/gemini-2.5-flash:generateContent", "gemini-2.5-flash", "Gemini asks"),
    ({"model": "gpt-4o", "input": [{"role": "user", "content": [{"type": "input_text", "text": "Responses"}]}]},
     "/v1/responses", "gpt-4o", "Responses"),
    ({"prompt": "a cat --ar 3:2"}, "/mj/submit/imagine", None, "a cat --ar 3:2"),
    ({"model": "text-embedding-3-small", "input": ["first", "second"]}, "/v1/embeddings", "text-embedding-3-small",
     "first"),
])
def test_model_and_preview_come_from_any_wire_format(body: dict, path: str, model: str | None, preview: str) -> None:
    assert model_of(body, path) == model and preview_of(body) == preview


def test_a_long_preview_is_one_short_line() -> None:
    text = preview_of({"messages": [{"role": "user", "content": "word " * 100}]})
    assert len(text) == 160 and text.endswith("…") and "\n" not in text


# ---------------------------------------------------------------------- from_exchange readers


def chunk(delta: dict, finish: str | None = None) -> dict:
    return {"data": {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}}


def test_chat_stream_fragments_become_text_and_argument_chunks() -> None:
    events = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Hel"}), chunk({"content": "lo!"}),
              chunk({"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": ""}}]}),
              chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a"'}}]}),
              chunk({"tool_calls": [{"index": 0, "function": {"arguments": ':1}'}}]}),
              chunk({}, "tool_calls"), {"data": "[DONE]"}]
    reply = read_reply(Exchange("createChatCompletion", events=events, streamed=True))
    assert reply == {"text_chunks": ["Hel", "lo!"],
                     "tool_calls": [{"name": "f", "arguments_chunks": ["", '{"a"', ":1}"], "id": "call_1"}]}


def test_a_stream_split_as_the_default_tokens_are_is_written_as_text() -> None:
    events = [chunk({"content": piece}) for piece in ("You", " asked", ":", " hi")]
    assert read_reply(Exchange("createChatCompletion", events=events)) == {"text": "You asked: hi"}


def test_anthropic_and_gemini_bodies_read_back_as_replies() -> None:
    anthropic = {"type": "message", "stop_reason": "max_tokens", "content": [
        {"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "Hi"},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]}
    assert read_reply(Exchange("createMessage", body=anthropic)) == {
        "text": "Hi", "reasoning": "hmm", "finish": "length",
        "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "toolu_1"}]}
    gemini = {"candidates": [{"content": {"parts": [{"text": "Yes"}, {"functionCall": {"name": "f", "args": {}}}]},
                              "finishReason": "SAFETY"}]}
    assert read_reply(Exchange("geminiGenerateContent", body=gemini)) == {
        "text": "Yes", "tool_calls": [{"name": "f", "arguments": {}}], "finish": "content_filter"}


def test_arguments_that_are_not_compact_json_stay_raw() -> None:
    body = {"choices": [{"message": {"content": None, "tool_calls": [
        {"id": "c", "function": {"name": "f", "arguments": '{"a": 1}'}}]}, "finish_reason": "tool_calls"}]}
    reply = read_reply(Exchange("createChatCompletion", body=body))
    assert reply == {"tool_calls": [{"name": "f", "arguments_raw": '{"a": 1}', "id": "c"}]}


def loads(document: dict) -> list:
    scenarios, errors = parse_text(dump_yaml(document), "test")
    assert not errors, [str(e) for e in errors]
    return scenarios


def test_a_paced_stream_gives_its_timing_and_a_cut_stream_raw_events_with_a_reset() -> None:
    events = [{"t_ms": 1.0, "comment": "keep-alive"}]
    events += [{"t_ms": 101.0 + 10 * i, **chunk({"content": f"w{i} "})} for i in range(5)]
    paced_doc = scenario_for(Exchange("createChatCompletion", model="m", message="hi", streamed=True, events=events,
                                      ttft_ms=101.0, sent_ms=1.0), "paced")
    assert paced_doc["stream"] == {"ttft_ms": 100, "tokens_per_second": 100.0}
    assert paced_doc["reply"] == {"text_chunks": ["w0 ", "w1 ", "w2 ", "w3 ", "w4 "]}
    assert paced_doc["match"] == {"operation": "createChatCompletion", "model": "m", "message": "hi"}
    cut = scenario_for(Exchange("createChatCompletion", streamed=True, events=events, reset=True, sent_ms=1.0), "cut")
    assert "reply" not in cut and cut["stream"] == {"stop_after": 5, "stop": "reset"}
    assert [e["delay_ms"] for e in cut["raw"]["events"]] == [100, 10, 10, 10, 10]  # the ping is left out
    assert cut["raw"]["events"][0]["data"] == events[1]["data"] and cut["match"]["stream"] is True
    for document in (paced_doc, cut):
        loads(document)


def test_errors_become_faults_and_braces_in_text_are_sent_as_written() -> None:
    fault = scenario_for(Exchange("createChatCompletion", status=429, headers={"retry-after-ms": "10"},
                                  body={"error": {"message": "Slow down", "type": "rate_limit_error"}}), "f")
    assert fault["fault"] == {"status": 429, "message": "Slow down", "type": "rate_limit_error", "retry_after_ms": 10}
    body = {"choices": [{"message": {"content": "use {{model}} here"}, "finish_reason": "stop"}]}
    braces = scenario_for(Exchange("createChatCompletion", body=body), "t")
    assert braces["reply"] == {"text": "use {{lbraces}}model}} here"}
    raw = scenario_for(Exchange("createEmbedding", body={"data": ["{{x}}"]}), "e")
    assert raw["raw"]["body"] == {"data": ["{{lbraces}}x}}"]}
    reset = scenario_for(Exchange("createChatCompletion", reset=True), "r")
    assert reset["fault"] == {"reset": True}
    for document in (fault, braces, raw, reset):
        loads(document)


def test_curl_replaces_keys_and_quotes_for_the_shell() -> None:
    summary = {"method": "POST", "path": "/v1/chat/completions", "query": {"key": "AIza…", "alt": "sse"},
               "headers": {"authorization": "Bearer sk-…", "content-type": "application/json", "host": "x",
                           "x-stainless-os": "Linux", "x-test-id": "it's"},
               "body": {"messages": [{"role": "user", "content": "it's"}]}, "stream": True}
    text = curl_for(summary, "http://127.0.0.1:4010/")
    words = shlex.split(text.replace("\\\n", " "))
    assert words[:4] == ["curl", "-sSN", "-X", "POST"]
    assert words[4] == "http://127.0.0.1:4010/v1/chat/completions?key=${API_KEY:-sk-test}&alt=sse"
    assert "authorization: Bearer ${API_KEY:-sk-test}" in words and "x-test-id: it's" in words
    assert not any(w.startswith(("host", "x-stainless")) for w in words)
    assert words[-1] == '{"messages":[{"role":"user","content":"it\'s"}]}'
