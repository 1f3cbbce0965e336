"""The dashboard's control API with `--state redis`: two servers on one real redis-server, as two instances of a
fleet. What one instance answered shows in the other's journal, live feed, hit counts and jobs; scenario edits,
enable/disable and a request turned into a scenario made on one apply on the other."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
from conftest import eventually, start_server
from redis_support import BINARY, RedisServer
from test_dashboard_api import AUTH, Feed, chat

pytestmark = pytest.mark.skipif(BINARY is None, reason="redis-server is not installed (make test installs Debian's "
                                                       "redis-server package)")
PACED = """
name: paced-shared
match: {model: mock-paced-shared}
reply: {text: "one two three four five six"}
stream: {ttft_ms: 20, tokens_per_second: 200}
"""
NAMED = """
name: shared-door
match: {model: mock-door}
reply: {text: "The shared door opens."}
"""


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Instances A and B (each its own server and state connection) on one Redis."""
    redis = RedisServer().start()
    a, stop_a = start_server(state=redis.url(), task_speed=0)
    b, stop_b = start_server(state=redis.url(), task_speed=0)
    try:
        with httpx.Client(base_url=a.url, headers=AUTH, timeout=30) as one, \
                httpx.Client(base_url=b.url, headers=AUTH, timeout=30) as two:
            one.post("/_mock/reset")
            for text in (PACED, NAMED):
                added = one.post("/_mock/scenarios", content=text, headers={"content-type": "application/yaml"})
                assert added.status_code == 201, added.text
            yield one, two
    finally:
        stop_a()
        stop_b()
        redis.close()


def summaries(client: httpx.Client, test_id: str) -> list[dict]:
    """The entries of a test id, once another instance's writer has written them (within milliseconds)."""
    return eventually(lambda: client.get("/_mock/requests", params={"test_id": test_id}).json()["data"])


def test_the_live_feed_of_one_instance_shows_what_another_answered(pair) -> None:
    a, b = pair
    feed = Feed(str(a.base_url), test_id="fleet-feed")
    try:
        chat(b, text="asked on B", headers={"x-test-id": "fleet-feed"})
        heard = eventually(lambda: [e for name, e in feed.events if name == "request"])
        assert heard and heard[0]["preview"] == "asked on B" and heard[0]["test_id"] == "fleet-feed"
        oai = openai.OpenAI(base_url=str(b.base_url).rstrip("/") + "/v1", api_key="sk-test", max_retries=0)
        chunks = oai.chat.completions.create(model="mock-paced-shared", stream=True, extra_headers={
            "x-test-id": "fleet-feed"}, messages=[{"role": "user", "content": "stream on B"}])
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == "one two three four five six"
        done = eventually(lambda: [e for _, e in feed.events if e.get("stream") and e.get("complete")])
        assert done and done[-1]["answered_by"] == "scenario:paced-shared"
    finally:
        feed.close()
    entry = a.get(f"/_mock/requests/{done[-1]['id']}").json()  # read on A, answered (and finished) on B
    assert entry["response"]["complete"] is True and entry["response"]["ttft_ms"] >= 20
    events = [e for e in entry["response"]["events"] if "data" in e]
    assert events[-1]["data"] == "[DONE]" and events[-1]["t_ms"] > events[0]["t_ms"]
    assert entry["reply"] == {"text": text} and entry["headers"]["authorization"] == "Bearer sk-…"


def test_hit_counts_toggles_and_edits_are_shared(pair) -> None:
    a, b = pair
    for _ in range(2):
        assert chat(b, "mock-door", "knock").json()["choices"][0]["message"]["content"] == "The shared door opens."
    listed = {s["name"]: s for s in a.get("/_mock/scenarios").json()["data"]}
    assert listed["shared-door"]["hits"] == 2
    assert a.post("/_mock/scenarios/shared-door/disable").json() == {"name": "shared-door", "enabled": False}
    assert chat(b, "mock-door", "knock").json()["choices"][0]["message"]["content"] != "The shared door opens."
    assert {s["name"]: s["enabled"] for s in b.get("/_mock/scenarios").json()["data"]}["shared-door"] is False
    a.post("/_mock/scenarios/shared-door/enable")
    edited = NAMED.replace("The shared door opens.", "Edited on A.")
    assert a.put("/_mock/scenarios/shared-door", content=edited,
                 headers={"content-type": "application/yaml"}).status_code == 200
    assert chat(b, "mock-door", "knock").json()["choices"][0]["message"]["content"] == "Edited on A."
    broken = a.put("/_mock/scenarios/shared-door", content="name: shared-door\nmatch: {model: 3\n",
                   headers={"content-type": "application/yaml"})
    assert broken.status_code == 400 and broken.json()["error"]["problems"][0]["line"] >= 1
    assert chat(b, "mock-door", "knock").json()["choices"][0]["message"]["content"] == "Edited on A."


def test_a_request_answered_on_one_instance_becomes_a_scenario_on_both(pair) -> None:
    a, b = pair
    original = chat(b, "gpt-4o", "remember this exchange", headers={"x-test-id": "fleet-replay"}).json()
    [entry] = summaries(a, "fleet-replay")
    document = a.get(f"/_mock/requests/{entry['id']}/scenario", params={"name": "fleet-replayed"})
    assert document.status_code == 200 and "remember this exchange" in document.text
    assert a.post("/_mock/scenarios", content=document.text,
                  headers={"content-type": "application/yaml"}).status_code == 201
    again = chat(b, "gpt-4o", "remember this exchange", headers={"x-test-id": "fleet-replay-2"}).json()
    assert again["choices"][0]["message"]["content"] == original["choices"][0]["message"]["content"]
    assert summaries(a, "fleet-replay-2")[0]["answered_by"] == "scenario:fleet-replayed"
    a.delete("/_mock/scenarios/fleet-replayed")


def test_jobs_submitted_on_one_instance_are_listed_on_the_other(pair) -> None:
    a, b = pair
    submitted = b.post("/mj/submit/imagine", json={"prompt": "a shared lighthouse"}, headers={"mj-api-secret": "s"})
    job_id = submitted.json()["result"]
    listing = a.get("/_mock/jobs").json()
    found = next(job for job in listing["data"] if job["id"] == job_id)
    assert found["family"] == "midjourney" and listing["total"] >= 1
