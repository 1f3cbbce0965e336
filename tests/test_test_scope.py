"""Test scope over HTTP: a request belongs to a test by X-Test-Id or an sk-mock-test-<id> key; scenarios added
for a test answer only that test, keep their own positions, and show in its journal and near misses."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from mockserver.state.journal import request_test_id

SCENARIOS = "/_mock/scenarios"


def chat(client: httpx.Client, text: str = "hi", key: str = "sk-test", model: str = "gpt-4o",
         **headers: str) -> httpx.Response:
    return client.post("/v1/chat/completions", headers={"Authorization": f"Bearer {key}", **headers},
                       json={"model": model, "messages": [{"role": "user", "content": text}]})


def add(client: httpx.Client, scope: str, yaml_text: str, **params: str) -> httpx.Response:
    return client.post(SCENARIOS, params={"scope": scope, **params}, content=yaml_text,
                       headers={"content-type": "application/yaml"})


@pytest.fixture
def control(server):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def test_test_id_comes_from_the_header_else_a_test_key():
    assert request_test_id({"x-test-id": "t1"}, "sk-mock-test-t2") == "t1"
    assert request_test_id({}, "sk-mock-test-t2") == "t2"
    assert request_test_id({}, "sk-mock-test-") is None
    assert request_test_id({}, "sk-anything") is None
    assert request_test_id({}, None) is None


def test_a_scoped_scenario_answers_only_its_test(control):
    r = add(control, "scope-a", "name: greet\nmatch: {message: hello}\nreply: {text: only for A}\n")
    assert r.status_code == 201 and r.json() == {"added": ["greet"], "scope": "scope-a"}
    by_key = chat(control, "hello", key="sk-mock-test-scope-a").json()
    by_header = chat(control, "hello", **{"X-Test-Id": "scope-a"}).json()
    other = chat(control, "hello", key="sk-mock-test-scope-b").json()
    nobody = chat(control, "hello").json()
    assert by_key["choices"][0]["message"]["content"] == "only for A"
    assert by_header["choices"][0]["message"]["content"] == "only for A"
    assert other["choices"][0]["message"]["content"] != "only for A"
    assert nobody["choices"][0]["message"]["content"] != "only for A"
    assert "greet" not in {s["name"] for s in control.get(SCENARIOS).json()["data"]}
    assert [s["name"] for s in control.get(SCENARIOS, params={"scope": "scope-a"}).json()["data"]] == ["greet"]
    assert control.delete(SCENARIOS, params={"scope": "scope-a"}).json() == {"deleted": 1, "scope": "scope-a"}
    after = chat(control, "hello", key="sk-mock-test-scope-a").json()
    assert after["choices"][0]["message"]["content"] != "only for A"


def test_two_tests_with_one_scenario_name_keep_their_own_sequences(server, control):
    flaky = ("name: flaky\nmatch: {operation: chat}\nsequence:\n  - fault: {status: 429, retry_after_ms: 1}\n"
             "  - reply: {text: 'ok {{count}}'}\n")
    assert add(control, "seq-a", flaky).status_code == 201
    assert chat(control, key="sk-mock-test-seq-a").status_code == 429
    # Test B adds its own `flaky`: A's position is untouched, B starts from the beginning.
    assert add(control, "seq-b", flaky).status_code == 201
    assert chat(control, key="sk-mock-test-seq-a").json()["choices"][0]["message"]["content"] == "ok 2"
    assert chat(control, key="sk-mock-test-seq-b").status_code == 429
    # Through an SDK's own retry: B's next request is the second step.
    client = openai.OpenAI(base_url=server.v1, api_key="sk-mock-test-seq-b")
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "ok 2"
    for scope in ("seq-a", "seq-b"):
        control.delete(SCENARIOS, params={"scope": scope})


def test_shipped_sequences_count_per_test_key(server):
    """`429-then-ok` keeps its position per X-Test-Id; a test's key counts as its id, so each test sees a 429."""
    for test in ("shipped-a", "shipped-b"):
        client = anthropic.Anthropic(base_url=server.url, api_key=f"sk-mock-test-{test}", max_retries=0)
        with pytest.raises(anthropic.RateLimitError):
            client.messages.create(model="mock-429-then-ok", max_tokens=20,
                                   messages=[{"role": "user", "content": "hi"}])
        reply = client.messages.create(model="mock-429-then-ok", max_tokens=20,
                                       messages=[{"role": "user", "content": "hi"}])
        assert reply.content[0].text


def test_journal_filters_by_key_derived_test_id(control):
    chat(control, "first", key="sk-mock-test-journal-a")
    control.get("/v1/no-such-path", headers={"Authorization": "Bearer sk-mock-test-journal-a"})
    control.post("/v1beta/models/gemini-2.0-flash:generateContent", params={"key": "sk-mock-test-journal-a"},
                 json={"contents": [{"role": "user", "parts": [{"text": "third"}]}]})
    chat(control, "elsewhere", key="sk-mock-test-journal-b")
    found = control.get("/_mock/requests", params={"test_id": "journal-a"}).json()["data"]
    assert [(e["path"], e["status"]) for e in found] == [
        ("/v1/chat/completions", 200), ("/v1/no-such-path", 404),
        ("/v1beta/models/gemini-2.0-flash:generateContent", 200)]
    assert {e["test_id"] for e in found} == {"journal-a"}
    assert all("sk-mock-test-journal-a" not in str(e["headers"]) + str(e["query"]) for e in found)


def test_near_misses_put_the_tests_own_scenarios_first(control):
    refunds = "name: refunds\nmatch: {message: refund, model: gpt-4o}\nreply: {text: approved}\n"
    assert add(control, "miss-a", refunds).status_code == 201
    chat(control, "hello", key="sk-mock-test-miss-a")
    [entry] = control.get("/_mock/requests", params={"test_id": "miss-a"}).json()["data"]
    first = entry["nearest_scenarios"][0]
    assert first["scenario"] == "refunds" and first["scope"] == "miss-a"
    assert first["failed"] == ["last user message 'hello' does not contain 'refund'"]
    assert first["passed"] == ["model glob 'gpt-4o'"]
    assert all("scope" not in miss for miss in entry["nearest_scenarios"][1:])
    control.delete(SCENARIOS, params={"scope": "miss-a"})


def test_header_selection_sees_the_tests_own_scenarios_only(control):
    assert add(control, "named-a", "name: mine\nreply: {text: picked by name}\n").status_code == 201
    mine = chat(control, **{"X-Mock-Scenario": "mine", "X-Test-Id": "named-a"})
    theirs = chat(control, key="sk-mock-test-named-b", **{"X-Mock-Scenario": "mine"})
    assert mine.json()["choices"][0]["message"]["content"] == "picked by name"
    assert theirs.status_code == 400 and "no scenario named 'mine'" in theirs.json()["error"]["message"]
    one = control.get(f"{SCENARIOS}/mine", params={"scope": "named-a"})
    assert one.status_code == 200 and one.json()["scope"] == "named-a"
    assert control.delete(f"{SCENARIOS}/mine", params={"scope": "named-a"}).json() == {"deleted": "mine",
                                                                                         "scope": "named-a"}
    assert control.get(f"{SCENARIOS}/mine", params={"scope": "named-a"}).status_code == 404


def test_scoped_uploads_are_checked_and_name_their_source(control):
    r = add(control, "bad-a", "name: x\nmatch: {}\nfault: {status: 42}\n", source="tests/scenarios/x.yaml")
    assert r.status_code == 400
    assert r.json()["error"]["errors"] == ["tests/scenarios/x.yaml:3: status must be an HTTP status (100-599), not 42"]
    assert control.post(SCENARIOS, params={"scope": ""}, content="name: y\nreply: {text: t}\n").status_code == 400
    assert control.delete(SCENARIOS).status_code == 400
    assert control.get(SCENARIOS, params={"scope": "bad-a"}).json()["data"] == []


def test_reset_forgets_every_tests_scenarios(make_server):
    running = make_server()
    with httpx.Client(base_url=running.url, timeout=10) as client:
        add(client, "reset-a", "name: r\nreply: {text: scoped}\n")
        client.post("/_mock/reset")
        assert client.get(SCENARIOS, params={"scope": "reset-a"}).json()["data"] == []
