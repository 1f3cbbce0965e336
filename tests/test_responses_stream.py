"""POST /v1/responses with `stream: true`: exact SSE framing and the typed event sequence."""

from __future__ import annotations

import json

import httpx
import httpx_sse

TOOL = {"type": "function", "name": "get_weather", "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def stream(http: httpx.Client, **body: object) -> list[tuple[str, dict]]:
    """(event name, data) pairs, checking each data's `type` equals its `event:` line."""
    events = []
    with httpx_sse.connect_sse(http, "POST", "/v1/responses",
                               json={"model": "gpt-4.1", "stream": True, **body}) as source:
        assert source.response.headers["content-type"].startswith("text/event-stream")
        for sse in source.iter_sse():
            data = json.loads(sse.data)
            assert sse.event == data["type"]
            events.append((sse.event, data))
    return events


def test_text_stream_event_order_and_sequence(http: httpx.Client) -> None:
    events = stream(http, input="Say hi")
    names = [name for name, _ in events]
    deltas = names.count("response.output_text.delta")
    assert deltas > 1
    assert names == (["response.created", "response.in_progress", "response.output_item.added",
                      "response.content_part.added"] + ["response.output_text.delta"] * deltas
                     + ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                        "response.completed"])
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))


def test_text_stream_ids_and_text_are_consistent(http: httpx.Client) -> None:
    events: dict[str, list[dict]] = {}
    for name, data in stream(http, input="Consistency check"):
        events.setdefault(name, []).append(data)
    created = events["response.created"][0]["response"]
    completed = events["response.completed"][0]["response"]
    assert created["status"] == "in_progress" and created["output"] == [] and created["usage"] is None
    assert created["id"] == events["response.in_progress"][0]["response"]["id"] == completed["id"]
    added = events["response.output_item.added"][0]["item"]
    done = events["response.output_item.done"][0]["item"]
    assert added["id"] == done["id"] and added["status"] == "in_progress" and added["content"] == []
    text = "".join(d["delta"] for d in events["response.output_text.delta"])
    assert all(d["item_id"] == added["id"] and d["logprobs"] == [] for d in events["response.output_text.delta"])
    assert text == events["response.output_text.done"][0]["text"] == done["content"][0]["text"]
    assert completed["output"] == [done] and completed["status"] == "completed"
    assert completed["usage"]["output_tokens"] > 0


def test_stream_matches_the_json_answer(http: httpx.Client) -> None:
    streamed = stream(http, input="Same either way")[-1][1]["response"]
    plain = http.post("/v1/responses", json={"model": "gpt-4.1", "input": "Same either way"}).json()
    assert streamed["id"] == plain["id"] and streamed["output"] == plain["output"]


def test_raw_framing_has_event_lines_and_no_done(http: httpx.Client) -> None:
    raw = http.post("/v1/responses", json={"model": "gpt-4.1", "input": "raw", "stream": True}).text
    frames = [f for f in raw.split("\n\n") if f]
    assert frames[0].startswith("event: response.created\ndata: {")
    assert all(f.startswith("event: response.") and "\ndata: " in f for f in frames)
    assert "[DONE]" not in raw and raw.endswith("\n\n")
    assert frames[-1].startswith("event: response.completed\n")


def test_function_call_stream(http: httpx.Client) -> None:
    events = stream(http, input="Weather in Paris?", tools=[TOOL])
    names = [name for name, _ in events]
    deltas = [d for n, d in events if n == "response.function_call_arguments.delta"]
    assert names == (["response.created", "response.in_progress", "response.output_item.added"]
                     + ["response.function_call_arguments.delta"] * len(deltas)
                     + ["response.function_call_arguments.done", "response.output_item.done", "response.completed"])
    added, done = events[2][1]["item"], events[-2][1]["item"]
    assert added["arguments"] == "" and added["status"] == "in_progress" and added["call_id"] == done["call_id"]
    arguments = "".join(d["delta"] for d in deltas)
    assert arguments == events[-3][1]["arguments"] == done["arguments"]
    assert isinstance(json.loads(arguments)["city"], str)
    assert all(d["item_id"] == done["id"] for d in deltas)


def test_reasoning_summary_stream(http: httpx.Client) -> None:
    events = stream(http, model="o4-mini", input="Think", reasoning={"effort": "low", "summary": "auto"})
    names = [name for name, _ in events]
    summary_deltas = names.count("response.reasoning_summary_text.delta")
    assert names[2:7 + summary_deltas] == (
        ["response.output_item.added", "response.reasoning_summary_part.added"]
        + ["response.reasoning_summary_text.delta"] * summary_deltas
        + ["response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
           "response.output_item.done"])
    reasoning = events[-1][1]["response"]["output"][0]
    assert reasoning["type"] == "reasoning" and reasoning["summary"][0]["text"]
    assert events[-1][1]["response"]["output"][1]["type"] == "message"
    assert next(d for n, d in events if n == "response.output_text.delta")["output_index"] == 1


def test_reasoning_without_summary_streams_an_empty_summary(http: httpx.Client) -> None:
    events = stream(http, model="o3", input="Think quietly")
    names = [name for name, _ in events]
    assert "response.reasoning_summary_text.delta" not in names
    assert events[2][1]["item"]["type"] == "reasoning" and events[3][1]["item"]["summary"] == []


def test_max_output_tokens_stream_ends_incomplete(http: httpx.Client) -> None:
    events = stream(http, input="A long story please", max_output_tokens=16)
    name, data = events[-1]
    assert name == "response.incomplete"
    assert data["response"]["incomplete_details"] == {"reason": "max_output_tokens"}


def test_streamed_response_is_stored(http: httpx.Client) -> None:
    final = stream(http, input="Store the stream")[-1][1]["response"]
    stored = http.get(f"/v1/responses/{final['id']}").json()
    assert stored["output"] == final["output"]


def test_retrieve_with_stream_replays_events(http: httpx.Client) -> None:
    created = http.post("/v1/responses", json={"model": "gpt-4.1", "input": "Replay me"}).json()
    with httpx_sse.connect_sse(http, "GET", f"/v1/responses/{created['id']}",
                               params={"stream": "true", "starting_after": "1"}) as source:
        replayed = [json.loads(s.data) for s in source.iter_sse()]
    assert replayed[0]["sequence_number"] == 2 and replayed[0]["type"] == "response.output_item.added"
    assert replayed[-1]["response"]["output"] == created["output"]


def test_errors_before_streaming_are_real_http_errors(http: httpx.Client) -> None:
    response = http.post("/v1/responses", json={"model": "gpt-4.1", "input": "x", "stream": True,
                                                "previous_response_id": "resp_missing"})
    assert response.status_code == 400 and response.headers["content-type"].startswith("application/json")
