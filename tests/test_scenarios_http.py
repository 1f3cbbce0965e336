"""Scenarios over plain HTTP: matching, sequences, faults, streams, journal, admin API, reload."""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path

import httpx
import pytest
from conftest import eventually

from mockserver.scenarios.loader import load_dir

AUTH = {"Authorization": "Bearer sk-test"}


def chat(client: httpx.Client, model: str = "gpt-4o", text: str = "hi", stream: bool = False, **kw) -> httpx.Response:
    return client.post("/v1/chat/completions", json={"model": model, "stream": stream,
                                                     "messages": [{"role": "user", "content": text}]}, **kw)


def add(client: httpx.Client, yaml_text: str) -> None:
    r = client.post("/_mock/scenarios", content=yaml_text, headers={"content-type": "application/yaml"})
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """One server for this module with an empty scenario directory of its own (spec loading is slow)."""
    from conftest import start_server

    directory = tmp_path_factory.mktemp("scenarios")
    running, stop = start_server(scenarios_dir=directory)
    yield running, directory
    stop()


@pytest.fixture
def fresh(own_server):
    """That server, reset, with an httpx client; files a test writes are removed after it."""
    running, directory = own_server
    with httpx.Client(base_url=running.url, headers=AUTH, timeout=10) as client:
        client.post("/_mock/reset")
        yield running, client, directory
    for path in directory.iterdir():
        path.unlink()
    client.close()


def test_shipped_scenarios_leave_ordinary_requests_alone(http):
    r = chat(http, text="What is the weather like?")
    assert r.status_code == 200
    entry = http.get("/_mock/requests", params={"limit": 1}).json()["data"][-1]
    assert entry["answered_by"] == "chat:create" and "scenario" not in entry


def test_loader_reports_file_and_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: x\nmatch:\n  model: gpt-*\n  colour: red\nfault:\n  status: 42\n")
    (tmp_path / "broken.yaml").write_text("name: y\nreply: [unclosed\n")
    report = load_dir(tmp_path)
    text = report.text()
    assert f"{tmp_path / 'bad.yaml'}:4: unknown key 'colour'" in text
    assert f"{tmp_path / 'bad.yaml'}:6: status must be an HTTP status" in text
    assert f"{tmp_path / 'broken.yaml'}:" in text and "invalid YAML" in text


def test_broken_scenario_dir_refuses_to_start(tmp_path, server):
    from mockserver import MockServer, Settings
    from mockserver.scenarios.engine import ScenarioLoadError

    (tmp_path / "a.yaml").write_text("name: a\nmode: sometimes\n")
    with pytest.raises(ScenarioLoadError) as info:
        MockServer(Settings(scenarios_dir=tmp_path, quiet=True), spec=server.mock.spec)
    assert "a.yaml:2: mode must be one of" in info.value.report.text()


def test_header_selects_and_unknown_name_is_a_400(http):
    r = chat(http, headers={"X-Mock-Scenario": "refusal"})
    assert r.json()["choices"][0]["message"]["refusal"].startswith("I'm sorry")
    r = chat(http, headers={"X-Mock-Scenario": "no-such-thing"})
    assert r.status_code == 400 and "no-such-thing" in r.json()["error"]["message"]


def test_sequence_is_kept_per_test_id_in_parallel(fresh):
    _, client, _ = fresh
    add(client, """
name: counter
match: {model: counter-*}
sequence:
  - reply: {text: "one"}
  - reply: {text: "two"}
  - reply: {text: "three"}
""")

    def run(test_id: str) -> list[str]:
        return [chat(client, "counter-1", headers={"X-Test-Id": test_id}).json()["choices"][0]["message"]["content"]
                for _ in range(4)]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, [f"t{i}" for i in range(4)]))
    assert results == [["one", "two", "three", "three"]] * 4
    state = client.get("/_mock/state").json()["positions"]["counter"]
    assert state == {f"t{i}": 4 for i in range(4)}
    client.put("/_mock/state", json={"scenario": "counter", "key": "t0", "position": 1})
    assert chat(client, "counter-1", headers={"X-Test-Id": "t0"}).json()["choices"][0]["message"]["content"] == "two"
    client.delete("/_mock/state", params={"scenario": "counter"})
    assert chat(client, "counter-1", headers={"X-Test-Id": "t0"}).json()["choices"][0]["message"]["content"] == "one"


def test_cycle_and_once_modes(fresh):
    _, client, _ = fresh
    add(client, """
scenarios:
  - name: cyc
    match: {model: cyc}
    mode: cycle
    sequence: [{reply: {text: a}}, {reply: {text: b}}]
  - name: one
    match: {model: one}
    mode: once
    sequence: [{fault: {status: 503}}]
""")
    texts = [chat(client, "cyc").json()["choices"][0]["message"]["content"] for _ in range(3)]
    assert texts == ["a", "b", "a"]
    assert [chat(client, "one").status_code for _ in range(2)] == [503, 200]


def test_journal_explains_a_miss_and_redacts_keys(fresh):
    running, client, _ = fresh
    add(client, """
name: needs-foo
match: {model: "x-*", message: foo}
reply: {text: matched}
""")
    r = chat(client, "x-1", text="bar", headers={"X-Test-Id": "miss-1"})
    assert r.status_code == 200
    entries = client.get("/_mock/requests", params={"test_id": "miss-1"}).json()["data"]
    assert len(entries) == 1
    nearest = entries[0]["nearest_scenarios"][0]
    assert nearest["scenario"] == "needs-foo"
    assert any("model" in p for p in nearest["passed"])
    assert nearest["failed"] == ["last user message 'bar' does not contain 'foo'"]
    assert entries[0]["headers"]["authorization"] == "Bearer sk-…"
    r = chat(client, "x-1", text="foo", headers={"X-Test-Id": "hit-1"})
    hit = client.get("/_mock/requests", params={"scenario": "needs-foo"}).json()["data"]
    assert [e["test_id"] for e in hit] == ["hit-1"] and hit[0]["answered_by"] == "scenario:needs-foo"


def test_faults_without_a_dialect_work_on_media_too(fresh):
    _, client, _ = fresh
    add(client, """
scenarios:
  - name: bad-json
    fault: {invalid_json: true}
  - name: reset
    fault: {reset: true}
  - name: slow-429
    fault: {stall_ms: 150, status: 429, retry_after_ms: 5, should_retry: true}
""")
    body = {"model": "text-embedding-3-small", "input": "hello"}
    r = client.post("/v1/embeddings", json=body, headers={"X-Mock-Scenario": "bad-json"})
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/v1/embeddings", json=body, headers={"X-Mock-Scenario": "reset"})
    with pytest.raises(httpx.ReadTimeout):  # the stall holds the answer back
        client.post("/v1/embeddings", json=body, headers={"X-Mock-Scenario": "slow-429"}, timeout=0.05)
    r = client.post("/v1/embeddings", json=body, headers={"X-Mock-Scenario": "slow-429"})
    assert r.status_code == 429 and r.headers["retry-after-ms"] == "5" and r.headers["x-should-retry"] == "true"
    assert r.json()["error"]["code"] == "rate_limit_exceeded"


def test_rate_limit_answers_real_429s(http):
    headers = {"Authorization": "Bearer sk-ratelimit-test"}
    statuses = [chat(http, "mock-rate-limited", headers=headers) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[0].headers["x-ratelimit-remaining-requests"] == "2"
    last = statuses[-1]
    assert last.headers["x-ratelimit-remaining-requests"] == "0"
    assert 0 < float(last.headers["retry-after-ms"]) <= 60000 and last.headers["retry-after"]


def sse_data(text: str) -> list[str]:
    return [line[6:] for line in text.splitlines() if line.startswith("data: ")]


def test_stream_stop_clean_malformed_and_error_frames(fresh):
    _, client, _ = fresh
    add(client, """
scenarios:
  - name: stop-clean
    stream: {stop_after: 2}
  - name: malformed
    stream: {malformed_at: 1}
  - name: err
    stream: {error_at: 2, error: {status: 503, message: down}}
""")
    r = chat(client, stream=True, headers={"X-Mock-Scenario": "stop-clean"})
    assert len(sse_data(r.text)) == 2 and "[DONE]" not in r.text
    data = sse_data(chat(client, stream=True, headers={"X-Mock-Scenario": "malformed"}).text)
    with pytest.raises(json.JSONDecodeError):
        json.loads(data[1])
    data = sse_data(chat(client, stream=True, headers={"X-Mock-Scenario": "err"}).text)
    assert len(data) == 3 and json.loads(data[2]) == {"error": {"message": "down", "type": "server_error",
                                                                "param": None, "code": None}}
    r = client.post("/v1/messages", headers={"X-Mock-Scenario": "err", "anthropic-version": "2023-06-01"},
                    json={"model": "claude-sonnet-4-5", "max_tokens": 50, "stream": True,
                          "messages": [{"role": "user", "content": "hi"}]})
    assert r.text.rstrip().endswith('data: {"type":"error","error":{"type":"api_error","message":"down"},'
                                    f'"request_id":"{r.headers["request-id"]}"}}')
    r = client.post("/v1beta/models/gemini-2.5-flash:streamGenerateContent", params={"alt": "sse"},
                    headers={"X-Mock-Scenario": "err"}, json={"contents": [{"parts": [{"text": "hi"}]}]})
    last = json.loads(sse_data(r.text)[-1])
    assert last["error"]["code"] == 503 and last["error"]["status"] == "UNAVAILABLE"


def test_stream_timing_and_pings(fresh):
    _, client, _ = fresh
    add(client, """
name: paced
stream: {ttft_ms: 300, tokens_per_second: 200, keepalive_ms: 100}
""")
    r = client.post("/v1/messages", headers={"X-Mock-Scenario": "paced", "anthropic-version": "2023-06-01"},
                    json={"model": "claude-sonnet-4-5", "max_tokens": 20, "stream": True,
                          "messages": [{"role": "user", "content": "hi"}]})
    events = [line for line in r.text.splitlines() if line.startswith("event: ")]
    assert events[0] == "event: message_start" and events.count("event: ping") >= 2
    assert events[-1] == "event: message_stop"


def test_scripted_reply_renders_in_every_dialect(http):
    headers = {"X-Mock-Scenario": "split-tool-call"}
    r = chat(http, stream=True, headers=headers)
    args = "".join(json.loads(d)["choices"][0]["delta"].get("tool_calls", [{}])[0].get("function", {})
                   .get("arguments", "") for d in sse_data(r.text)[:-1] if json.loads(d)["choices"])
    assert json.loads(args) == {"location": "Paris, France", "days": 10, "unit": "celsius"}
    r = http.post("/v1/messages", headers={**headers, "anthropic-version": "2023-06-01"},
                  json={"model": "claude-sonnet-4-5", "max_tokens": 50, "messages": [{"role": "user", "content": "x"}]})
    assert r.json()["content"][0]["input"]["days"] == 10 and r.json()["stop_reason"] == "tool_use"
    r = http.post("/v1/responses", headers={"X-Mock-Scenario": "refusal"}, json={"model": "gpt-4o", "input": "x"})
    assert "sorry" in json.dumps(r.json()["output"])
    r = http.post("/v1beta/models/gemini-2.5-flash:generateContent", headers={"X-Mock-Scenario": "content-filter"},
                  json={"contents": [{"parts": [{"text": "hi"}]}]})
    assert r.json()["candidates"][0]["finishReason"] == "SAFETY"


def test_admin_add_list_delete_reset(fresh):
    _, client, _ = fresh
    r = client.post("/_mock/scenarios", content="name: z\nreply: {text: one}\nfault: {stauts: 500}\n")
    assert r.status_code == 400 and "request body:3: unknown key 'stauts'" in r.json()["error"]["errors"][0]
    r = client.post("/_mock/scenarios", json={"name": "j", "match": {"model": "j"}, "reply": {"text": "from json"}})
    assert r.status_code == 201
    assert [s["name"] for s in client.get("/_mock/scenarios").json()["data"]] == ["j"]
    assert chat(client, "j").json()["choices"][0]["message"]["content"] == "from json"
    assert client.delete("/_mock/scenarios/j").status_code == 200
    assert client.delete("/_mock/scenarios/j").status_code == 404
    add(client, "name: k\nreply: {text: k}\n")
    assert client.post("/_mock/reset").json() == {"reset": True}
    assert client.get("/_mock/scenarios").json()["data"] == []
    assert client.get("/_mock/requests").json()["data"] == []


def test_changed_files_reload_and_broken_edits_keep_the_last_good_set(fresh):
    _, client, directory = fresh
    path: Path = directory / "live.yaml"
    def answer() -> str:
        return chat(client, "live").json()["choices"][0]["message"]["content"]

    path.write_text("name: live\nmatch: {model: live}\nreply: {text: first}\n")
    assert eventually(lambda: answer() == "first")
    path.write_text("name: live\nmatch: {model: live}\nreply: {text: second}\n")
    assert eventually(lambda: answer() == "second")
    path.write_text("name: live\nmatch: {model: live}\nreply: {text: [broken\n")
    assert eventually(lambda: client.get("/_mock/scenarios").json()["reload_error"])
    assert "live.yaml:4: invalid YAML" in client.get("/_mock/scenarios").json()["reload_error"]
    assert answer() == "second"


def test_probability_is_reproducible(fresh):
    _, client, _ = fresh
    runs = []
    for _ in range(2):
        client.post("/_mock/reset")
        add(client, "name: chaos\nmatch: {model: chaos}\nprobability: 0.5\nseed: 7\n"
                    "fault: {status: 500, should_retry: false}\n")
        runs.append([chat(client, "chaos").status_code for _ in range(12)])
    assert runs[0] == runs[1] and {200, 500} == set(runs[0])


def test_templating_and_body_conditions(fresh):
    _, client, _ = fresh
    add(client, """
name: echo
match:
  body: {"messages[-1].content": {regex: "^echo "}, "temperature": 0}
reply: {text: "{{model}} heard: {{last_user_message}}"}
""")
    r = client.post("/v1/chat/completions", json={"model": "m1", "temperature": 0,
                                                  "messages": [{"role": "user", "content": "echo hello"}]})
    assert r.json()["choices"][0]["message"]["content"] == "m1 heard: echo hello"


def test_mj_job_fails_at_80_percent(http):
    r = http.post("/mj/submit/imagine", json={"prompt": "a cat [scenario:mj-fail]"})
    task_id = r.json()["result"]
    seen = [http.get(f"/mj/task/{task_id}/fetch").json() for _ in range(5)]
    assert seen[0]["status"] != "FAILURE"
    assert seen[-1]["status"] == "FAILURE" and seen[-1]["progress"] == "80%" and "moderation" in seen[-1]["failReason"]
