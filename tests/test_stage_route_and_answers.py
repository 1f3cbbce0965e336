"""In-process tests of the route stage, the answers and the pace stage (no server, no network)."""

from __future__ import annotations

import asyncio

import pytest

from mockserver.core.answers import RESET, JsonAnswer, StreamAnswer, sse_frame
from mockserver.pipeline.pace import StreamPlan, malformed, next_due, paced
from mockserver.pipeline.route import Router
from mockserver.pipeline.select import parse_prefer
from mockserver.spec import Spec


@pytest.fixture(scope="module")
def router(spec: Spec) -> Router:
    return Router(spec.operations)


def test_static_paths_route_by_method(router: Router) -> None:
    found = router.match("POST", "/v1/chat/completions")
    assert found is not None and found.operation.operation_id == "createChatCompletion"
    wrong = router.match("GET", "/v1/chat/completions")
    assert wrong is not None and wrong.operation is None and wrong.allowed == ("POST",)


def test_templated_paths_bind_their_parameters(router: Router) -> None:
    found = router.match("POST", "/v1beta/models/gemini-2.5-flash:generateContent")
    assert found.operation.operation_id == "geminiGenerateContent"
    assert found.path_params == {"model": "gemini-2.5-flash"}
    fetch = router.match("GET", "/mj/task/1730000000000001/fetch")
    assert fetch.operation.path == "/mj/task/{id}/fetch" and fetch.path_params == {"id": "1730000000000001"}
    assert router.match("GET", "/v1/responses/resp_1/input_items").path_params == {"response_id": "resp_1"}


def test_head_is_answered_as_get_and_unknown_paths_are_none(router: Router) -> None:
    assert router.match("HEAD", "/v1/models").operation.method == "GET"
    assert router.match("GET", "/v2/nothing/here") is None
    assert router.match("GET", "/v2/nothing/here") is None  # cached misses stay misses


def test_nearest_operation_picks_the_error_dialect(router: Router) -> None:
    assert router.nearest("/v1/messages/nope").path.startswith("/v1/messages")
    assert router.nearest("/mj/task/x/unknown").path.startswith("/mj/")


def test_json_answer_sends_compact_json_with_its_length() -> None:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    answer = JsonAnswer({"a": [1, 2]}, status_code=201, headers={"X-Request-Id": "req_1"})
    asyncio.run(answer({"method": "POST"}, None, send))
    start, body = sent
    assert start["status"] == 201 and (b"x-request-id", b"req_1") in start["headers"]
    assert (b"content-length", b"11") in start["headers"] and body["body"] == b'{"a":[1,2]}'


def test_head_answers_keep_headers_and_send_no_body() -> None:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(JsonAnswer({"a": 1})({"method": "HEAD"}, None, send))
    assert (b"content-length", b"7") in sent[0]["headers"] and sent[1]["body"] == b""


def test_unpaced_streams_go_out_in_one_write_with_exact_framing() -> None:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    frames = [sse_frame({"n": 1}), sse_frame({"n": 2}, event="x"), b"data: [DONE]\n\n"]
    asyncio.run(StreamAnswer(frames)({"method": "POST"}, None, send))
    assert sent[1]["body"] == b'data: {"n":1}\n\nevent: x\ndata: {"n":2}\n\ndata: [DONE]\n\n'
    assert dict(sent[0]["headers"])[b"content-type"] == b"text/event-stream; charset=utf-8"


def collect(frames: list[bytes], plan: StreamPlan) -> list[object]:
    async def run() -> list[object]:
        return [frame async for frame in paced(frames, plan)]
    return asyncio.run(run())


def test_pace_keeps_due_times_through_small_oversleeps_and_resumes_after_a_stall() -> None:
    gap = 0.05
    assert next_due(10.0, gap, now=10.002) == pytest.approx(10.05)   # 2 ms late: the schedule absorbs it
    assert next_due(10.0, gap, now=10.02) == pytest.approx(10.05)    # still within half a gap
    assert next_due(10.0, gap, now=10.3) == pytest.approx(10.35)     # stalled 300 ms: a full gap from now, no burst
    due, sent = 0.0, []
    for now in (0.0, 0.05, 0.4, 0.45, 0.5):                          # a stall before the third frame
        due = next_due(due, gap, now)
        sent.append(round(due, 3))
    assert sent == [0.05, 0.1, 0.45, 0.5, 0.55]


def test_pace_stops_after_n_frames_and_can_reset() -> None:
    frames = [sse_frame({"delta": i}) for i in range(5)]
    assert collect(frames, StreamPlan(stop_after=2)) == frames[:2]
    assert collect(frames, StreamPlan(stop_after=2, reset=True)) == [*frames[:2], RESET]


def test_pace_cuts_a_frame_and_inserts_an_error_frame() -> None:
    frames = [sse_frame({"delta": "abcdef"}) for _ in range(3)]
    out = collect(frames, StreamPlan(malformed_at=1))
    assert out[1] == malformed(frames[1]) and out[1].endswith(b"\n\n") and len(out[1]) < len(frames[1])
    error = StreamPlan(error_at=2, error_frame=lambda sent, index: f"data: error at {index}\n\n".encode())
    assert collect(frames, error) == [frames[0], frames[1], b"data: error at 2\n\n"]


def test_prefer_header_parsing() -> None:
    assert parse_prefer('code=429, example="rate_limit"') == {"code": "429", "example": "rate_limit"}
    assert parse_prefer("code=503; dynamic=true") == {"code": "503", "dynamic": "true"}
