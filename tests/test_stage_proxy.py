"""The proxy's parts in-process: the tap's frame splitting and decoding, header hygiene, what a recording writes,
the request fingerprint, recorded timing on replay and the command line's checks."""

from __future__ import annotations

import gzip
import zlib

import pytest

from mockserver.cli import build_parser, proxy_problem
from mockserver.core.context import RequestContext, header_dict
from mockserver.pipeline.pace import StreamPlan
from mockserver.proxy.headers import recordable, to_client, to_upstream
from mockserver.proxy.recording import escape_templates, events, job_ids
from mockserver.proxy.redact import Redactions, request_secrets, scrub
from mockserver.proxy.tap import Tap, parse_frame
from mockserver.scenarios.act import recorded_timing
from mockserver.scenarios.fingerprint import request_fingerprint
from mockserver.settings import Settings, parse_replay_timing


def tap(encoding: str = "", events: bool = True) -> Tap:
    return Tap(encoding, events=events, keep_body=True, started=0.0)


def test_frames_complete_across_chunks_with_any_line_ending():
    t = tap()
    assert t.feed(b"data: {\"a\"") == []
    first, ping, comment = t.feed(b": 1}\n\nevent: ping\r\ndata: {}\r\n\r\n: keep-alive\n\ndata: [DO")
    assert first.data == '{"a": 1}' and first.simple and first.json() == {"a": 1}
    assert ping.event == "ping" and ping.data == "{}" and not ping.simple  # CRLF: kept as the exact frame
    assert comment.data is None and not comment.simple
    [done] = t.feed(b"NE]\n\n")
    assert done.data == "[DONE]" and done.json() is None
    assert t.finish() == []


def test_a_last_frame_without_its_blank_line_still_counts():
    t = tap()
    t.feed(b"data: one\n\ndata: two")
    [last] = t.finish()
    assert last.data == "two" and [f.data for f in t.frames] == ["one", "two"]


def test_multi_line_data_is_joined_and_not_simple():
    frame = parse_frame(b"event: x\ndata: a\ndata: b\nid: 7\n\n", 0.0)
    assert frame.event == "x" and frame.data == "a\nb" and not frame.simple


def test_the_tap_decodes_gzip_and_deflate_in_pieces():
    body = b'{"text": "' + b"x" * 5000 + b'"}'
    for encoding, packed in (("gzip", gzip.compress(body)), ("deflate", zlib.compress(body)),
                             ("deflate", zlib.compress(body)[2:-4])):  # raw deflate, as some servers send it
        t = tap(encoding, events=False)
        for start in range(0, len(packed), 7):
            t.feed(packed[start:start + 7])
        assert t.readable and bytes(t.body) == body, encoding


def test_an_unknown_or_broken_encoding_is_passed_on_unread():
    unknown = tap("compress", events=False)
    unknown.feed(b"\x1f\x9d...")
    assert not unknown.readable and unknown.body == b""
    broken = tap("gzip", events=False)
    broken.feed(b"not gzip at all")
    assert not broken.readable and "cannot decode" in broken.failure


def test_hop_by_hop_headers_stay_on_their_connection():
    sent = [(b"Host", b"mock:4010"), (b"Connection", b"keep-alive, X-Trace"), (b"X-Trace", b"1"),
            (b"Content-Length", b"12"), (b"Authorization", b"Bearer sk-x"), (b"Accept-Encoding", b"gzip"),
            (b"TE", b"trailers"), (b"X-Test-Id", b"t1")]
    assert to_upstream(sent) == [(b"Authorization", b"Bearer sk-x"), (b"Accept-Encoding", b"gzip"),
                                 (b"X-Test-Id", b"t1")]
    back = [(b"Content-Type", b"application/json"), (b"Content-Length", b"10"), (b"Date", b"x"),
            (b"Transfer-Encoding", b"chunked"), (b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2")]
    assert to_client(back, keep_length=True) == [(b"content-type", b"application/json"), (b"content-length", b"10"),
                                                 (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
    assert (b"content-length", b"10") not in to_client(back, keep_length=False)


def test_a_recording_keeps_no_secret_cookie_or_framing_header():
    raw = [(b"Content-Type", b"text/event-stream"), (b"X-Request-Id", b"req_1"), (b"Set-Cookie", b"s=1"),
           (b"Authorization", b"Bearer x"), (b"Content-Encoding", b"gzip"), (b"Access-Control-Allow-Origin", b"*"),
           (b"X-Org", b"secret"), (b"Date", b"today")]
    assert recordable(raw, frozenset({"x-org"})) == {"content-type": "text/event-stream", "x-request-id": "req_1"}


def test_recorded_events_keep_their_text_and_delays():
    frames = [parse_frame(b'event: a\ndata: {"x":1, "y":"{{z}}"}\n\n', 12.4),
              parse_frame(b": ping\n\n", 20.0), parse_frame(b"data: [DONE]\n\n", 20.2)]
    assert events(frames, None) == [{"event": "a", "data": '{"x":1, "y":"{{lbraces}}z}}"}', "delay_ms": 12},
                                    {"frame": ": ping\n\n", "delay_ms": 8}, {"data": "[DONE]", "delay_ms": 0}]
    redacted = events(frames[:1], Redactions(("$.y",)).json)
    assert redacted[0]["data"] == '{"x":1,"y":"[redacted]"}'


def test_templates_in_recorded_text_are_escaped():
    assert escape_templates({"a": ["{{model}} and {{x"], "b": 1}) == {"a": ["{{lbraces}}model}} and {{lbraces}}x"],
                                                                       "b": 1}


def test_job_ids_are_what_an_answer_hands_out():
    assert job_ids({"code": 1, "description": "Submit success", "result": "1738346469073506"}) == {"1738346469073506"}
    assert job_ids({"data": {"task_id": "task-abc123", "status": "submitted"}}) == {"task-abc123"}
    assert job_ids({"id": "gen", "taskId": "has space in it"}) == set()


def test_redact_paths_and_secrets():
    r = Redactions(("X-Org", "$.data[*].user", "$.meta.token", "$.list[-1]"))
    assert r.headers == frozenset({"x-org"})
    value = {"data": [{"user": "a"}, {"user": "b", "k": 1}], "meta": {"token": "t"}, "list": [1, 2]}
    assert r.json(value) == {"data": [{"user": "[redacted]"}, {"user": "[redacted]", "k": 1}],
                             "meta": {"token": "[redacted]"}, "list": [1, "[redacted]"]}
    assert scrub("key sk-abcdef and sk-abcdef!", ["sk-abcdef"]) == "key [redacted] and [redacted]!"


def context(body: bytes, query: bytes = b"", headers: dict[str, str] | None = None) -> RequestContext:
    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions", "query_string": query,
             "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()]}
    ctx = RequestContext(scope, None, None, header_dict(scope["headers"]))
    ctx.raw_body = body
    return ctx


def test_the_fingerprint_ignores_key_order_whitespace_and_keys():
    a = context(b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}', b"key=AIza-one&alt=sse")
    b = context(b'{"messages":[{"content":"hi","role":"user"}],"model":"m"}', b"alt=sse&key=AIza-two")
    assert request_fingerprint(a) == request_fingerprint(b)
    assert request_fingerprint(a) != request_fingerprint(context(b'{"model": "m", "messages": []}'))
    assert request_fingerprint(a) != request_fingerprint(context(a.raw_body, b"alt=json"))


def test_request_secrets_cover_keys_cookies_and_query_keys():
    ctx = context(b"", b"key=query-key-123", {"authorization": "Bearer sk-bearer-456",
                                                "cookie": "sid=cookie-789; theme=dark"})
    found = request_secrets(ctx)
    assert {"sk-bearer-456", "Bearer sk-bearer-456", "cookie-789", "query-key-123"} <= set(found)
    assert "dark" not in found  # too short to look for


def test_recorded_delays_on_replay():
    assert recorded_timing(None, [0, 10, 30], 1.0).delays == [0, 10, 30]
    assert recorded_timing(None, [0, 10, 30], 2.0).delays == [0, 5, 15]
    assert recorded_timing(None, [0, 10, 30], 0.0) is None
    assert recorded_timing(None, [0, 0], 1.0) is None
    faults = StreamPlan(stop_after=2)
    assert recorded_timing(faults, [5, 5], 1.0) is faults and faults.delays == [5, 5] and not faults.is_plain()
    assert [parse_replay_timing(t) for t in ("recorded", "none", "x4", "x0.5")] == [1.0, 0.0, 4.0, 0.5]
    for bad in ("fast", "x0", "x-1", "xnan", "xinf", "x"):
        with pytest.raises(ValueError, match="x<factor>"):
            parse_replay_timing(bad)


@pytest.mark.parametrize("argv, problem", [
    (["--record", "d"], "--record needs --upstream"),
    (["--upstream", "ftp://x"], "--upstream must be an http(s) base URL"),
    (["--upstream", "http://x", "--upstream-timeout", "0"], "--upstream-timeout must be above 0 seconds"),
    (["--upstream", "http://x", "--strict"], "--strict is for replay without an upstream"),
    (["--replay-timing", "slow"], "--replay-timing: replay timing must be 'recorded', 'none' or x<factor>"),
])
def test_the_command_line_refuses_what_cannot_work(argv, problem):
    assert problem in proxy_problem(build_parser().parse_args(["serve", *argv]))


def test_the_recording_directory_answers_first_unless_recording_all(tmp_path):
    assert Settings(record_dir=tmp_path, default_scenarios=False).scenario_directories() == [tmp_path]
    assert Settings(record_dir=tmp_path, record_mode="all", default_scenarios=False).scenario_directories() == []
