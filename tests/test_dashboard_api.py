"""The control API behind the dashboard, over real HTTP: one request in full, the live feed, scenario hits,
enable/disable and in-place edits, jobs, request -> scenario and curl, and the admin key."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest
import yaml
from conftest import RunningServer, eventually, start_server
from httpx_sse import connect_sse
from PIL import Image

AUTH = {"Authorization": "Bearer sk-test"}
ANTHROPIC = {**AUTH, "anthropic-version": "2023-06-01"}
PACED = """
name: paced
match: {model: mock-paced}
stream: {ttft_ms: 30, tokens_per_second: 400, keepalive_ms: 10}
"""
CRAWL = """
name: crawl
match: {model: mock-crawl}
stream: {tokens_per_second: 2}
"""
NEAR = """
name: near
match: {model: mock-near, message: open sesame}
reply: {text: "The door opens."}
"""


@pytest.fixture(scope="module")
def running() -> Iterator[RunningServer]:
    server, stop = start_server(task_speed=0)
    yield server
    stop()


@pytest.fixture
def client(running: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url, headers=AUTH, timeout=30) as http:
        http.post("/_mock/reset")
        for text in (PACED, CRAWL, NEAR):
            assert http.post("/_mock/scenarios", content=text, headers={"content-type": "application/yaml"}).status_code == 201
        yield http


def chat(client: httpx.Client, model: str = "gpt-4o", text: str = "hi", headers: dict | None = None,
         **kw) -> httpx.Response:
    return client.post("/v1/chat/completions", json={"model": model, "messages": [{"role": "user", "content": text}],
                                                     **kw}, headers=headers)


def last(client: httpx.Client) -> dict:
    summary = client.get("/_mock/requests", params={"limit": 1}).json()["data"][-1]
    return client.get(f"/_mock/requests/{summary['id']}").json()


# ---------------------------------------------------------------------- one request in full


def test_an_entry_in_full_has_the_response_the_client_got(client: httpx.Client) -> None:
    answer = chat(client, text="What is in the journal?")
    entry = last(client)
    assert entry["preview"] == "What is in the journal?" and entry["model"] == "gpt-4o"
    response = entry["response"]
    assert response["kind"] == "body" and response["status"] == 200
    assert response["body"] == answer.json() and response["body_bytes"] == len(answer.content)
    assert response["headers"]["x-request-id"] == answer.headers["x-request-id"]
    assert entry["reply"] == {"text": answer.json()["choices"][0]["message"]["content"]}


def test_a_paced_stream_has_each_event_with_its_time_pings_included(client: httpx.Client) -> None:
    oai = openai.OpenAI(base_url=str(client.base_url).rstrip("/") + "/v1", api_key="sk-test", max_retries=0)
    text = "".join(c.choices[0].delta.content or "" for c in oai.chat.completions.create(
        model="mock-paced", messages=[{"role": "user", "content": "pace me"}], stream=True) if c.choices)
    entry = last(client)
    stream = entry["response"]
    assert entry["stream"] and entry["complete"] and stream["complete"] and stream["cut"] is None
    kinds = ["ping" if "comment" in e else "data" for e in stream["events"]]
    assert kinds[0] == "ping" and kinds.count("data") >= 5  # keep-alives while the first token is due
    times = [e["t_ms"] for e in stream["events"]]
    assert times == sorted(times) and stream["duration_ms"] >= times[-1]
    assert stream["ttft_ms"] is not None and stream["events"][-1]["data"] == "[DONE]"
    assert "".join(entry["reply"].get("text_chunks") or [entry["reply"].get("text", "")]) == text


def test_a_paced_stream_stops_when_its_client_leaves_and_says_so(client: httpx.Client) -> None:
    body = {"model": "mock-crawl", "stream": True, "messages": [{"role": "user", "content": "take your time " * 20}]}
    with client.stream("POST", "/v1/chat/completions", json=body) as answer:
        first = next(answer.iter_lines())  # one event, then the client hangs up (a 30 s stream at 2 tokens/s)
    assert first.startswith("data: {")
    entry = eventually(lambda: (found := last(client))["complete"] is not None and found["cut"] and found)
    assert entry and entry["cut"] == "disconnected"
    sent = sum(1 for e in entry["response"]["events"] if "data" in e)
    assert sent < 10 and entry["response"]["cut"] == f"the client disconnected after {sent} events"
    assert chat(client).status_code == 200  # and the server goes on


def test_faults_say_where_the_stream_was_cut(client: httpx.Client) -> None:
    with pytest.raises(httpx.HTTPError):
        chat(client, "mock-stream-dies", stream=True)
    dies = last(client)
    assert dies["cut"] == "reset" and dies["response"]["cut"] == "connection reset after 5 events"
    chat(client, "mock-stream-error", stream=True)
    error = last(client)["response"]
    assert error["cut"] == "error event after 3 events (error_at)"
    assert error["events"][-1]["data"]["error"]["message"] == "Overloaded"


def test_a_miss_lists_the_near_scenarios_and_why(client: httpx.Client) -> None:
    chat(client, "mock-near", "close the door")
    entry = last(client)
    assert entry["answered_by"] == "chat:create"
    near = next(m for m in entry["nearest_scenarios"] if m["scenario"] == "near")
    assert near["failed"] == ["last user message 'close the door' does not contain 'open sesame'"]


def test_a_miss_is_explained_from_the_body_as_it_was_read(client: httpx.Client) -> None:
    near = {"name": "near-tokens", "match": {"model": "mock-near-tokens", "message": "open sesame",
                                             "body": {"max_tokens": {"glob": "64"}}}, "reply": {"text": "ok"}}
    assert client.post("/_mock/scenarios", json=near).status_code == 201
    chat(client, "mock-near-tokens", "close the door", max_tokens=64.0)  # read as the integer 64, not "64.0"
    miss = next(m for m in last(client)["nearest_scenarios"] if m["scenario"] == "near-tokens")
    assert miss["failed"] == ["last user message 'close the door' does not contain 'open sesame'"]
    assert any("max_tokens" in passed for passed in miss["passed"])


def test_a_miss_on_a_form_upload_is_explained_from_its_fields(client: httpx.Client) -> None:
    near = {"name": "near-edit", "match": {"operation": "createImageEdit", "body": {"prompt": {"contains": "sesame"}}},
            "reply": {"text": "ok"}}
    assert client.post("/_mock/scenarios", json=near).status_code == 201
    image = io.BytesIO()
    Image.new("RGB", (8, 8)).save(image, "PNG")
    answer = client.post("/v1/images/edits", data={"prompt": "close the door", "model": "dall-e-2"},
                         files={"image": ("a.png", image.getvalue(), "image/png")})
    assert answer.status_code == 200
    miss = next(m for m in last(client)["nearest_scenarios"] if m["scenario"] == "near-edit")
    assert miss["failed"] == ["body prompt = 'close the door' does not contain 'sesame'"]


def test_unknown_ids_and_bad_filters_are_400_or_404(client: httpx.Client) -> None:
    assert client.get("/_mock/requests/999999").status_code == 404
    assert client.get("/_mock/requests", params={"status": "teapot"}).status_code == 400
    assert client.get("/_mock/requests/stream", params={"status": "9zz"}).status_code == 400


def test_bad_admin_input_is_a_clear_error_and_changes_nothing(client: httpx.Client) -> None:
    for params in ({"limit": "0"}, {"limit": "-1"}, {"since": "x"}):
        refused = client.get("/_mock/requests", params=params)
        assert refused.status_code == 400 and "limit a positive integer" in refused.json()["error"]["message"]
    assert client.get("/_mock/requests/stream", params={"limit": "0"}).status_code == 400
    assert "known: hailuo, kling" in client.get("/_mock/jobs", params={"family": "dall-e"}).json()["error"]["message"]
    assert client.get("/_mock/jobs", params={"limit": "0"}).status_code == 400
    before = client.get("/_mock/scenarios").json()["data"]
    taken = client.get("/_mock/scenarios/near").json()["yaml"].replace("name: near", "name: paced")
    clash = client.put("/_mock/scenarios/near", content=taken)
    assert clash.status_code == 409 and "'paced'" in clash.json()["error"]["message"]
    for position in (-1, "two", 1.5, True):
        refused = client.put("/_mock/state", json={"scenario": "near", "key": "", "position": position})
        assert refused.status_code == 400 and "position" in refused.json()["error"]["message"]
    assert client.delete("/_mock/state", params={"scenario": "no-such"}).status_code == 404
    assert client.post("/_mock/scenarios/no-such/disable").status_code == 404
    assert client.get("/_mock/scenarios").json()["data"] == before


def test_no_key_is_shown_anywhere_the_dashboard_reads(client: httpx.Client) -> None:
    secrets = {"AIzaSecretQueryKey123", "AIzaSecretHeaderKey456", "sk-ant-secret-789", "mj-secret-000",
               "sk-bearer-secret-111"}
    client.post("/v1beta/models/gemini-2.5-flash:generateContent?key=AIzaSecretQueryKey123",
                json={"contents": [{"parts": [{"text": "a gemini key"}]}]},
                headers={"x-test-id": "secrets", "x-goog-api-key": "AIzaSecretHeaderKey456"})
    client.post("/v1/messages", json={"model": "claude-sonnet-4-5", "max_tokens": 10,
                                      "messages": [{"role": "user", "content": "an anthropic key"}]},
                headers={"x-test-id": "secrets", "x-api-key": "sk-ant-secret-789", "anthropic-version": "2023-06-01"})
    client.post("/mj/submit/imagine", json={"prompt": "a key"}, headers={"x-test-id": "secrets",
                                                                       "mj-api-secret": "mj-secret-000"})
    chat(client, text="a bearer key", headers={"x-test-id": "secrets", "authorization": "Bearer sk-bearer-secret-111"})
    listed = client.get("/_mock/requests", params={"test_id": "secrets"})
    seen = [listed.text, client.get("/_mock/jobs").text]
    for entry in listed.json()["data"]:
        for tail in ("", "/scenario", "/curl"):
            seen.append(client.get(f"/_mock/requests/{entry['id']}{tail}").text)
    assert len(listed.json()["data"]) == 4
    assert not [s for s in secrets if any(s in text for text in seen)]


def test_status_classes_and_free_text_filter_the_journal(client: httpx.Client) -> None:
    chat(client, text="needle in a haystack")
    chat(client, "mock-overloaded")
    failed = client.get("/_mock/requests", params={"status": "5xx"}).json()["data"]
    assert [e["status"] for e in failed] == [529]
    found = client.get("/_mock/requests", params={"q": "NEEDLE"}).json()["data"]
    assert [e["preview"] for e in found] == ["needle in a haystack"]


# ---------------------------------------------------------------------- the live feed


class Feed:
    """A reader of `GET /_mock/requests/stream` in a thread."""

    def __init__(self, url: str, **params: str) -> None:
        self.events: list[tuple[str, dict]] = []
        self.opened = threading.Event()
        self.response: httpx.Response | None = None
        self.http = httpx.Client(base_url=url, headers=AUTH, timeout=httpx.Timeout(30, read=None))
        self.thread = threading.Thread(target=self._read, args=(params,), daemon=True)
        self.thread.start()
        assert self.opened.wait(10)

    def _read(self, params: dict) -> None:
        try:
            with connect_sse(self.http, "GET", "/_mock/requests/stream", params=params) as source:
                self.response = source.response
                self.opened.set()
                for event in source.iter_sse():
                    if event.data:
                        self.events.append((event.event, json.loads(event.data)))
        except (httpx.HTTPError, ValueError, OSError):  # closed by the test
            pass

    def close(self) -> None:
        # Shutting the socket down unblocks the reader's recv (closing the response from here would not).
        self.response.extensions["network_stream"].get_extra_info("socket").shutdown(socket.SHUT_RDWR)
        self.thread.join(5)
        assert not self.thread.is_alive()
        self.http.close()


def test_the_feed_sends_new_entries_as_they_happen_with_its_filters(client: httpx.Client,
                                                                     running: RunningServer) -> None:
    chat(client, text="before the feed")
    feed = Feed(running.url, operation="createChatCompletion", limit="1")
    try:
        assert eventually(lambda: feed.events)
        assert feed.events[0][0] == "request" and feed.events[0][1]["preview"] == "before the feed"
        client.post("/v1/embeddings", json={"model": "text-embedding-3-small", "input": "not shown"})
        chat(client, text="after the feed")
        assert eventually(lambda: len(feed.events) >= 2)
        assert [(name, e["preview"]) for name, e in feed.events] == [("request", "before the feed"),
                                                                     ("request", "after the feed")]
    finally:
        feed.close()


def test_a_stream_comes_once_when_it_starts_and_again_when_it_ends(client: httpx.Client,
                                                                    running: RunningServer) -> None:
    newest = client.get("/_mock/requests", params={"limit": 1}).json()["data"]
    feed = Feed(running.url, since=str(newest[-1]["id"] if newest else 0))
    try:
        chat(client, "mock-paced", "pace the feed", stream=True)
        assert eventually(lambda: len(feed.events) >= 2)
        (first, started), (second, ended) = feed.events[:2]
        assert (first, started["complete"]) == ("request", False)
        assert (second, ended["complete"], ended["id"]) == ("update", True, started["id"])
    finally:
        feed.close()


def test_the_feed_resumes_after_the_last_event_id(client: httpx.Client, running: RunningServer) -> None:
    chat(client, text="one")
    chat(client, text="two")
    ids = [e["id"] for e in client.get("/_mock/requests").json()["data"]]
    with httpx.Client(base_url=running.url, headers={**AUTH, "last-event-id": str(ids[-2])}, timeout=10) as http:
        with connect_sse(http, "GET", "/_mock/requests/stream") as source:
            event = next(e for e in source.iter_sse() if e.data)
    assert (event.event, int(event.id), json.loads(event.data)["preview"]) == ("request", ids[-1], "two")


# ---------------------------------------------------------------------- scenarios


def test_hits_count_each_match_and_positions_show(client: httpx.Client) -> None:
    for _ in range(3):
        chat(client, "mock-near", "open sesame", headers={"x-test-id": "t-hits"})
    listed = {s["name"]: s for s in client.get("/_mock/scenarios").json()["data"]}
    assert listed["near"]["hits"] == 3 and listed["near"]["positions"] == {"t-hits": 3}
    assert listed["near"]["enabled"] and listed["near"]["added"] and not listed["weather"]["added"]
    assert client.get("/_mock/scenarios/near").json()["hits"] == 3


def test_a_disabled_scenario_stays_listed_and_answers_nothing_until_enabled(client: httpx.Client) -> None:
    assert client.post("/_mock/scenarios/near/disable").json() == {"name": "near", "enabled": False}
    assert chat(client, "mock-near", "open sesame").json()["choices"][0]["message"]["content"] != "The door opens."
    named = chat(client, "gpt-4o", headers={"x-mock-scenario": "near"})
    assert named.status_code == 400 and "disabled" in named.json()["error"]["message"]
    assert not client.get("/_mock/scenarios/near").json()["enabled"]
    client.post("/_mock/scenarios/near/enable")
    assert chat(client, "mock-near", "open sesame").json()["choices"][0]["message"]["content"] == "The door opens."
    assert client.post("/_mock/scenarios/nope/disable").status_code == 404


def test_an_edit_in_place_answers_at_once_and_a_broken_one_changes_nothing(client: httpx.Client) -> None:
    current = client.get("/_mock/scenarios/near").json()["yaml"]
    assert yaml.safe_load(current)["reply"] == {"text": "The door opens."}
    broken = current.replace("reply:", "reply:\n  colour: red")
    rejected = client.put("/_mock/scenarios/near", content=broken, headers={"content-type": "application/yaml"})
    assert rejected.status_code == 400
    line = broken.splitlines().index("  colour: red") + 1
    assert rejected.json()["error"]["problems"][0]["line"] == line
    assert "unknown key 'colour'" in rejected.json()["error"]["problems"][0]["reason"]
    assert chat(client, "mock-near", "open sesame").json()["choices"][0]["message"]["content"] == "The door opens."
    edited = current.replace("The door opens.", "The door stays shut.")
    assert client.put("/_mock/scenarios/near", content=edited).json() == {"replaced": "near", "name": "near"}
    assert chat(client, "mock-near", "open sesame").json()["choices"][0]["message"]["content"] == "The door stays shut."


def test_an_edit_may_rename_and_must_hold_one_scenario(client: httpx.Client) -> None:
    renamed = client.get("/_mock/scenarios/near").json()["yaml"].replace("name: near", "name: nearer")
    assert client.put("/_mock/scenarios/near", content=renamed).json()["name"] == "nearer"
    names = {s["name"] for s in client.get("/_mock/scenarios").json()["data"]}
    assert "nearer" in names and "near" not in names
    two = "- {name: a, reply: {text: x}}\n- {name: b, reply: {text: y}}\n"
    assert client.put("/_mock/scenarios/nearer", content=two).status_code == 400
    client.post("/_mock/scenarios/nearer/disable")
    client.post("/_mock/scenarios/reset")
    assert all(s["enabled"] for s in client.get("/_mock/scenarios").json()["data"])


# ---------------------------------------------------------------------- jobs


def test_jobs_list_status_progress_and_assets_a_browser_can_load(client: httpx.Client) -> None:
    job_id = client.post("/mj/submit/imagine", json={"prompt": "a lighthouse --ar 3:2"}).json()["result"]
    client.post("/suno/submit/music", json={"prompt": "a sea shanty", "mv": "chirp-v4"})
    jobs = client.get("/_mock/jobs").json()
    assert jobs["count"] == jobs["total"] >= 2
    mj = next(j for j in jobs["data"] if j["id"] == job_id)
    assert (mj["family"], mj["kind"], mj["phase"], mj["percent"]) == ("midjourney", "IMAGINE", "succeeded", 100)
    assert mj["prompt"] == "a lighthouse --ar 3:2" and mj["body"]["status"] == "SUCCESS"
    (image,) = mj["assets"]
    picture = Image.open(io.BytesIO(httpx.get(image["url"]).content))  # no key: what an <img> tag can load
    width, height = picture.size
    assert image["kind"] == "image" and width == 1024 and round(width / height, 2) == 1.5
    suno = next(j for j in jobs["data"] if j["family"] == "suno")
    kinds = {a["kind"] for a in suno["assets"]}
    assert kinds == {"audio", "video", "image"}
    audio = next(a for a in suno["assets"] if a["kind"] == "audio")
    assert httpx.get(audio["url"]).headers["content-type"] == "audio/mpeg"
    only = client.get("/_mock/jobs", params={"family": "suno"}).json()["data"]
    assert {j["family"] for j in only} == {"suno"}


def test_listing_jobs_does_not_move_a_poll_based_job(running: RunningServer, client: httpx.Client) -> None:
    job_id = client.post("/mj/submit/imagine", json={"prompt": "fails [scenario:mj-fail]"}).json()["result"]
    for _ in range(3):
        listed = next(j for j in client.get("/_mock/jobs").json()["data"] if j["id"] == job_id)
    assert listed["polls"] == 0 and listed["phase"] not in ("succeeded", "failed")
    fetched = client.get(f"/mj/task/{job_id}/fetch").json()
    assert next(j for j in client.get("/_mock/jobs").json()["data"] if j["id"] == job_id)["polls"] == 1
    assert fetched["status"] in ("SUBMITTED", "IN_PROGRESS", "NOT_START")


# ---------------------------------------------------------------------- request -> scenario, curl


def replay(client: httpx.Client, entry_id: int, name: str) -> dict:
    """Turn an entry into a scenario and add it; its document."""
    text = client.get(f"/_mock/requests/{entry_id}/scenario", params={"name": name}).text
    added = client.post("/_mock/scenarios", content=text, headers={"content-type": "application/yaml"})
    assert added.status_code == 201, added.text
    return yaml.safe_load(text)


def answered_last(client: httpx.Client) -> str:
    return client.get("/_mock/requests", params={"limit": 1}).json()["data"][-1]["answered_by"]


def test_a_streamed_chat_becomes_a_scenario_that_answers_the_same(client: httpx.Client) -> None:
    oai = openai.OpenAI(base_url=str(client.base_url).rstrip("/") + "/v1", api_key="sk-test", max_retries=0)
    ask = {"model": "mock-split-tool-call", "messages": [{"role": "user", "content": "split it"}], "stream": True}

    def call() -> tuple[str, str]:
        chunks = [c for c in oai.chat.completions.create(**ask) if c.choices]
        calls = [c.choices[0].delta.tool_calls[0] for c in chunks if c.choices[0].delta.tool_calls]
        return calls[0].function.name, "".join(c.function.arguments or "" for c in calls)

    before = call()
    document = replay(client, last(client)["id"], "split-again")
    assert document["reply"]["tool_calls"][0]["arguments_chunks"][:2] == ["", '{"loc']
    client.post("/_mock/scenarios/split-tool-call/disable")
    assert call() == before and answered_last(client) == "scenario:split-again"


def test_an_anthropic_tool_call_and_a_paced_stream_come_back(client: httpx.Client) -> None:
    claude = anthropic.Anthropic(base_url=str(client.base_url).rstrip("/"), api_key="sk-test", max_retries=0)
    ask = {"model": "claude-sonnet-4-20250514", "max_tokens": 100, "messages": [{"role": "user", "content": "Paris?"}],
           "tools": [{"name": "get_weather", "input_schema": {"type": "object", "properties": {
               "city": {"type": "string"}}, "required": ["city"]}}]}
    before = claude.messages.create(**ask)
    replay(client, last(client)["id"], "claude-again")
    after = claude.messages.create(**ask)
    assert answered_last(client) == "scenario:claude-again"
    assert [(b.type, b.name, b.input, b.id) for b in after.content if b.type == "tool_use"] == \
        [(b.type, b.name, b.input, b.id) for b in before.content if b.type == "tool_use"]
    chat(client, "mock-paced", "pace the copy", stream=True)
    document = replay(client, last(client)["id"], "paced-again")
    assert document["stream"]["ttft_ms"] >= 1  # the recorded pace (its figures: tests/test_stage_journal.py)
    client.post("/_mock/scenarios/paced/disable")
    chat(client, "mock-paced", "pace the copy", stream=True)
    assert answered_last(client) == "scenario:paced-again"


def test_faults_and_cut_streams_come_back_as_faults(client: httpx.Client) -> None:
    chat(client, "mock-overloaded", "overload me")
    document = replay(client, last(client)["id"], "overloaded-again")
    assert document["fault"]["status"] == 529
    client.post("/_mock/scenarios/overloaded/disable")
    again = chat(client, "mock-overloaded", "overload me")
    assert again.status_code == 529 and again.json()["error"]["message"] == "Overloaded"
    assert answered_last(client) == "scenario:overloaded-again"
    with pytest.raises(httpx.HTTPError):
        chat(client, "mock-stream-dies", "die", stream=True)
    document = replay(client, last(client)["id"], "dies-again")
    assert document["stream"]["stop"] == "reset" and len(document["raw"]["events"]) == 5
    client.post("/_mock/scenarios/stream-dies/disable")
    with client.stream("POST", "/v1/chat/completions", json={"model": "mock-stream-dies", "stream": True,
                                                             "messages": [{"role": "user", "content": "die"}]}) as r:
        with pytest.raises(httpx.RemoteProtocolError):
            r.read()
    assert answered_last(client) == "scenario:dies-again"


def test_braces_and_a_stream_ending_in_an_error_come_back_as_sent(client: httpx.Client) -> None:
    braces = "name: braces\nmatch: {model: mock-braces}\nreply: {text: 'Write {{lbraces}}name}} here'}\n"
    client.post("/_mock/scenarios", content=braces, headers={"content-type": "application/yaml"})
    first = chat(client, "mock-braces", "braces").json()["choices"][0]["message"]["content"]
    assert first == "Write {{name}} here"
    replay(client, last(client)["id"], "braces-again")
    client.post("/_mock/scenarios/braces/disable")
    assert chat(client, "mock-braces", "braces").json()["choices"][0]["message"]["content"] == first
    assert answered_last(client) == "scenario:braces-again"
    sent = chat(client, "mock-stream-error", "fail midway", stream=True).text
    document = replay(client, last(client)["id"], "error-again")
    assert "raw" in document and document["match"]["stream"] is True
    client.post("/_mock/scenarios/stream-error/disable")
    assert chat(client, "mock-stream-error", "fail midway", stream=True).text == sent
    assert answered_last(client) == "scenario:error-again"


def test_gemini_and_responses_streams_come_back(client: httpx.Client) -> None:
    path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    body = {"contents": [{"role": "user", "parts": [{"text": "Gemini, stream"}]}]}
    before = client.post(path, json=body).text
    document = replay(client, last(client)["id"], "gemini-again")
    assert "reply" in document
    after = client.post(path, json=body).text
    assert answered_last(client) == "scenario:gemini-again"
    texts = lambda sse: ["".join(p.get("text", "") for p in json.loads(line[6:])["candidates"][0]["content"]["parts"])
                         for line in sse.splitlines() if line.startswith("data: ")]  # noqa: E731
    assert "".join(texts(after)) == "".join(texts(before))
    oai = openai.OpenAI(base_url=str(client.base_url).rstrip("/") + "/v1", api_key="sk-test", max_retries=0)
    first = oai.responses.create(model="gpt-4o", input="Responses, stream", stream=True)
    text = "".join(e.delta for e in first if e.type == "response.output_text.delta")
    replay(client, last(client)["id"], "responses-again")
    again = oai.responses.create(model="gpt-4o", input="Responses, stream", stream=True)
    assert "".join(e.delta for e in again if e.type == "response.output_text.delta") == text
    assert answered_last(client) == "scenario:responses-again"


def test_a_task_submit_comes_back_as_its_raw_answer(client: httpx.Client) -> None:
    first = client.post("/mj/submit/imagine", json={"prompt": "a fox"}).json()
    document = replay(client, last(client)["id"], "mj-again")
    assert document["raw"]["body"] == first and document["match"]["message"] == "a fox"
    assert client.post("/mj/submit/imagine", json={"prompt": "a fox"}).json() == first
    assert answered_last(client) == "scenario:mj-again"


def test_an_answer_whose_bytes_were_not_kept_comes_back_as_the_default_answer(client: httpx.Client) -> None:
    oai = openai.OpenAI(base_url=str(client.base_url).rstrip("/") + "/v1", api_key="sk-test", max_retries=0)
    first = oai.audio.speech.create(model="tts-1", voice="alloy", input="Kept by reference").content
    entry = last(client)
    assert entry["response"]["binary"] is True and entry["response"]["body_bytes"] == len(first)
    document = replay(client, entry["id"], "speech-again")
    assert document["pass"] is True and "raw" not in document and document["match"]["message"] == "Kept by reference"
    assert oai.audio.speech.create(model="tts-1", voice="alloy", input="Kept by reference").content == first
    assert last(client)["scenario"]["name"] == "speech-again"  # it matched, and passed to the default answer


def test_curl_sends_the_same_request_again(client: httpx.Client, running: RunningServer) -> None:
    chat(client, text="curl me", headers={"x-test-id": "curl-1"})
    entry = last(client)
    command = client.get(f"/_mock/requests/{entry['id']}/curl").text
    assert "sk-test" not in command.replace("${API_KEY:-sk-test}", "")
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "API_KEY": "sk-from-env"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["choices"][0]["message"]["content"] == entry["response"]["body"]["choices"][0][
        "message"]["content"]
    again = last(client)
    assert again["id"] == entry["id"] + 1 and again["test_id"] == "curl-1"
    assert again["headers"]["authorization"] == "Bearer sk-…"


# ---------------------------------------------------------------------- the admin key


def test_with_api_keys_the_control_api_and_page_need_one_of_them(make_server) -> None:
    server = make_server(api_keys=("sk-live",))
    url = server.url
    assert httpx.get(url + "/_mock/requests").status_code == 401
    denied = httpx.get(url + "/_mock/requests", headers={"Authorization": "Bearer sk-wrong"})
    assert denied.status_code == 401 and "admin key" in denied.json()["error"]["message"]
    assert httpx.get(url + "/_mock/requests", headers={"Authorization": "Bearer sk-live"}).status_code == 200
    assert httpx.get(url + "/_mock/scenarios", headers={"x-api-key": "sk-live"}).status_code == 200
    assert httpx.get(url + "/_mock/jobs", params={"key": "sk-live"}).status_code == 200
    assert httpx.post(url + "/_mock/reset").status_code == 401
    page = httpx.get(url + "/_mock/", headers={"accept": "text/html"})
    assert page.status_code == 401 and 'name="key"' in page.text
    assert httpx.get(url + "/_mock/", params={"key": "sk-live"}).status_code == 200
    for open_path in ("/_mock/health", "/_mock/static/app.js", "/openapi.json",
                      "/_mock/assets/image/64x64/seed.png"):
        assert httpx.get(url + open_path).status_code == 200, open_path


def test_an_admin_key_of_its_own_is_not_an_api_key(make_server) -> None:
    server = make_server(api_keys=("sk-live",), admin_keys=("adm-1", "adm-2"))
    control = server.url + "/_mock/scenarios"
    assert httpx.get(control, headers={"Authorization": "Bearer sk-live"}).status_code == 401
    assert httpx.get(control, headers={"Authorization": "Bearer adm-2"}).status_code == 200
    api = httpx.post(server.url + "/v1/embeddings", json={"model": "text-embedding-3-small", "input": "x"},
                     headers={"Authorization": "Bearer adm-1"})
    assert api.status_code == 401


def test_the_page_and_its_files_are_served_from_the_package(running: RunningServer) -> None:
    page = httpx.get(running.url + "/_mock/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="static/app.js">' in page.text
    moved = httpx.get(running.url + "/_mock?key=x")
    assert moved.status_code == 307 and moved.headers["location"] == "/_mock/?key=x"
    script = httpx.get(running.url + "/_mock/static/app.js")
    assert script.headers["content-type"].startswith("text/javascript") and "EventSource" in script.text
    assert httpx.get(running.url + "/_mock/static/..%2Fcontrol.py").status_code == 404
    assert httpx.get(running.url + "/_mock/static/nothing.js").status_code == 404
