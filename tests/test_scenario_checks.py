"""What the scenario loader rejects before run time, and how templates render at run time."""

from __future__ import annotations

import logging

import pytest

from mockserver.scenarios.loader import parse_text

KNOWN = ("known: model, last_user_message, message, system, header.<name>, body.<path>, scenario, count, base_url, "
         "lbraces")
REJECTED = {
    "negative ttft": ("stream: {ttft_ms: -1}", "stream.ttft_ms must be at least 0, not -1"),
    "zero tokens/s": ("stream: {tokens_per_second: 0}", "stream.tokens_per_second must be greater than 0, not 0"),
    "negative jitter": ("stream: {jitter_ms: -3}", "stream.jitter_ms must be at least 0, not -3"),
    "zero keepalive": ("stream: {keepalive_ms: 0}", "stream.keepalive_ms must be greater than 0, not 0"),
    "negative stop_after": ("stream: {stop_after: -1}", "stream.stop_after must be at least 0, not -1"),
    "negative error_at": ("stream: {error_at: -2}", "stream.error_at must be at least 0, not -2"),
    "stream error below 400": ("stream: {error_at: 2, error: {status: 204}}", "stream.error.status must be an error "
                                                                             "status (400-599), not 204"),
    "negative stall": ("fault: {status: 503, stall_ms: -10}", "fault.stall_ms must be at least 0, not -10"),
    "negative retry_after": ("fault: {status: 429, retry_after: -1}", "fault.retry_after must be at least 0"),
    "negative retry_after_ms": ("fault: {status: 429, retry_after_ms: -5}", "fault.retry_after_ms must be at least 0"),
    "fault status 200": ("fault: {status: 200}", "fault.status must be an error status (400-599), not 200"),
    "fault status 302": ("fault: {status: 302}", "fault.status must be an error status (400-599), not 302"),
    "raw status 700": ("raw: {status: 700, body: x}", "raw.status must be an HTTP status (100-599), not 700"),
    "negative duration": ("task: {duration_ms: -1}", "task.duration_ms must be at least 0, not -1"),
    "zero polls": ("task: {polls: 0}", "task.polls must be at least 1, not 0"),
    "fail_at over 100": ("task: {fail_at: 150}", "task.fail_at is a percentage (0-100) or a fraction (0-1)"),
    "task typo": ("task: {duration: 5}", "unknown key 'duration' in scenario 's'.task"),
    "zero rpm": ("rate_limit: {requests_per_minute: 0}", "rate_limit.requests_per_minute must be at least 1, not 0"),
    "unclosed template": ("reply: {text: 'Hello {{model'}", "reply.text: unclosed or malformed template '{{model'"),
    "malformed template": ("reply: {text: 'Hi {{ two words }}'}", "reply.text: malformed template '{{ two words }}'"),
    "unknown template": ("reply: {text: 'Hi {{user}}'}", f"reply.text: unknown template {{{{user}}}} ({KNOWN})"),
    "empty header name": ("reply: {text: '{{header.}}'}", "unknown template {{header.}}"),
    "template in a tool call": ("reply: {tool_calls: [{name: f, arguments: {q: '{{bdy.q}}'}}]}",
                                "tool_calls[0].arguments: unknown template {{bdy.q}}"),
    "template in raw events": ("raw: {events: [{data: {t: '{{last_user_mesage}}'}}]}",
                               "raw.events: unknown template {{last_user_mesage}}"),
    "probability over 1": ("probability: 1.5\nreply: {text: x}", "probability must be between 0 and 1"),
    "negative event delay": ("raw: {events: [{data: x, delay_ms: -5}]}",
                             "raw.events[0].delay_ms must be a number of milliseconds, at least 0, not -5"),
    "event delay as text": ("raw: {events: ['data: a', {data: x, delay_ms: soon}]}",
                            "raw.events[1].delay_ms must be a number of milliseconds, at least 0, not 'soon'"),
    "event frame and data": ("raw: {events: [{frame: 'data: x', data: y}]}",
                             "raw.events[0] gives either 'frame' (the exact text) or 'event'/'data', not both"),
    "event typo": ("raw: {events: [{data: x, delay: 3}]}", "unknown key 'delay' in scenario 's'.raw.events[0]"),
    "event not a mapping": ("raw: {events: [[1, 2]]}", "raw.events[0] must be frame text or a mapping, not list"),
    "missing body file": ("raw: {body_file: nowhere.mp3}", "raw.body_file: no such file 'nowhere.mp3'"),
    "body and events": ("raw: {body: x, events: [a]}", "raw gives one of 'body', 'events' or 'body_file', not body "
                                                       "and events"),
    "fingerprint not hex": ("match: {fingerprint: not-a-digest}\nreply: {text: x}",
                            "match.fingerprint must be 8-64 lower-case hex digits (a request digest), not "
                            "'not-a-digest'"),
}


@pytest.mark.parametrize("body, expected", REJECTED.values(), ids=REJECTED.keys())
def test_loader_rejects_what_would_misbehave_at_run_time(body: str, expected: str) -> None:
    scenarios, errors = parse_text(f"name: s\n{body}\n", "t.yaml")
    assert scenarios == [] and len(errors) == 1, errors
    assert expected in str(errors[0]) and str(errors[0]).startswith("t.yaml:2: "), str(errors[0])


def test_every_known_template_and_zero_timings_load() -> None:
    text = """
name: ok
stream: {ttft_ms: 0, jitter_ms: 0, tokens_per_second: 0.5, keepalive_ms: 100, stop_after: 0}
sequence:
  - reply:
      text: "{{model}} {{ last_user_message }} {{message}} {{system}} {{header.x-test-id}} {{body.messages[-1].content}}"
      tool_calls: [{name: f, arguments: {n: "{{count}}", s: "{{scenario}}", t: "{{body.tools[*].function.name}}"}}]
  - fault: {status: 429, retry_after: 0, retry_after_ms: 0, stall_ms: 0}
  - fault: {invalid_json: true}
  - task: {duration_ms: 0, polls: 1, fail_at: 0.8}
"""
    scenarios, errors = parse_text(text, "ok.yaml")
    assert errors == [] and scenarios[0].name == "ok"


def test_a_wrong_shared_value_of_a_sequence_is_reported_once() -> None:
    text = "name: s\nprobability: often\nstream: {ttft_ms: -1}\nsequence: [{reply: {text: a}}, {reply: {text: b}}]\n"
    _, errors = parse_text(text, "t.yaml")
    assert [str(e) for e in errors] == ["t.yaml:2: scenario 's'.probability must be a number, not str",
                                        "t.yaml:3: scenario 's'.stream.ttft_ms must be at least 0, not -1"]


def test_an_upload_gets_the_same_checks(http) -> None:
    r = http.post("/_mock/scenarios", headers={"content-type": "application/yaml"},
                  content="name: up\nmatch: {model: up-*}\nstream: {ttft_ms: -1}\nreply: {text: '{{nope}}'}\n")
    assert r.status_code == 400
    assert r.json()["error"]["errors"] == [
        "request body:3: scenario 'up'.stream.ttft_ms must be at least 0, not -1",
        f"request body:4: scenario 'up'.reply.text: unknown template {{{{nope}}}} ({KNOWN})"]
    assert "up" not in {s["name"] for s in http.get("/_mock/scenarios").json()["data"]}


@pytest.fixture
def uploaded(http):
    """Scenarios added for one test, removed after it."""
    names: list[str] = []

    def add(text: str) -> None:
        r = http.post("/_mock/scenarios", content=text, headers={"content-type": "application/yaml"})
        assert r.status_code == 201, r.text
        names.extend(r.json()["added"])

    yield add
    for name in names:
        http.delete(f"/_mock/scenarios/{name}")


def test_a_body_path_the_request_lacks_shows_a_marker_and_logs_a_warning(http, uploaded, caplog) -> None:
    uploaded("name: tpl-body\nmatch: {model: tpl-body}\n"
             "reply: {text: 'user={{body.user}} meta={{body.metadata}} seed={{body.seed}} order={{body.metadata.order}}'}\n")
    messages = [{"role": "user", "content": "hi"}]
    with caplog.at_level(logging.WARNING, logger="mockserver.scenarios"):
        full = http.post("/v1/chat/completions", json={"model": "tpl-body", "messages": messages, "user": "ann",
                                                       "seed": 7, "metadata": {"order": "A1"}})
        bare = http.post("/v1/chat/completions", json={"model": "tpl-body", "messages": messages})
    assert full.json()["choices"][0]["message"]["content"] == 'user=ann meta={"order":"A1"} seed=7 order=A1'
    assert bare.json()["choices"][0]["message"]["content"] == ("user={{body.user: missing}} meta={{body.metadata: missing}} "
                                                               "seed={{body.seed: missing}} "
                                                               "order={{body.metadata.order: missing}}")
    warnings = [r.getMessage() for r in caplog.records if r.name == "mockserver.scenarios"]
    assert "scenario tpl-body: {{body.user}}: the request body has no user; the reply says {{body.user: missing}}" \
        in warnings
    assert len(warnings) == 4


def test_raw_answers_fill_scenario_and_count(http, uploaded) -> None:
    uploaded("name: tpl-raw\nmatch: {model: tpl-raw}\n"
             "raw: {status: 200, body: {name: '{{scenario}}', n: '{{count}}', m: '{{model}}'}}\n")
    body = {"model": "tpl-raw", "messages": [{"role": "user", "content": "hi"}]}
    first = http.post("/v1/chat/completions", json=body, headers={"X-Test-Id": "raw-1"}).json()
    second = http.post("/v1/chat/completions", json=body, headers={"X-Test-Id": "raw-1"}).json()
    assert first == {"name": "tpl-raw", "n": "1", "m": "tpl-raw"} and second["n"] == "2"
