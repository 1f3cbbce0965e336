"""The proxy in front of an upstream that misbehaves: pass-through, failures in the provider's shape, recording rules."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx
import openai
import orjson
import pytest
import yaml

from conftest import RunningServer, eventually
from fake_upstream import COMPLETION, FakeUpstream, start_fake

KEY = "sk-proxy-test-9f8e7d6c5b"
HELLO = [{"role": "user", "content": "hello"}]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstream]:
    """The misbehaving upstream."""
    running, stop = start_fake()
    yield running
    stop()


@pytest.fixture
def proxy(make_server, fake) -> RunningServer:
    """A proxy in front of the fake (a short upstream timeout, so stalls end quickly)."""
    return make_server(upstream=fake.url, upstream_timeout=0.5)


def client_for(server: RunningServer, **options) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.v1, api_key=KEY, max_retries=0, **options)


def journal(server: RunningServer) -> list[dict]:
    return [e.to_json() for e in server.mock.services.state.journal.entries]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_stream_reaches_the_client_event_by_event(proxy, fake):
    """The first chunk arrives while the upstream still holds the rest back: nothing is buffered."""
    stream = client_for(proxy, timeout=10).chat.completions.create(model="gate", messages=HELLO, stream=True)
    chunks = iter(stream)
    assert next(chunks).choices[0].delta.content == "first"
    fake.release()
    assert [c.choices[0].delta.content for c in chunks] == [" second"]
    [entry] = journal(proxy)
    assert entry["answered_by"] == "proxy" and entry["proxy"]["status"] == 200


def test_the_request_goes_on_as_received(proxy, fake):
    body = b'{"model": "echo",   "messages": [{"role": "user", "content": "hello"}], "zz": 1, "aa": 2}'
    answer = httpx.post(proxy.url + "/v1/chat/completions?api-version=2&x=1", content=body, timeout=10,
                        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json",
                                 "X-Custom": "kept", "Connection": "keep-alive, X-Hop", "X-Hop": "dropped"})
    seen = answer.json()
    headers = dict(seen["headers"])
    assert seen["path"] == "/v1/chat/completions" and seen["query"] == "api-version=2&x=1"
    assert seen["body"] == body.decode()
    assert headers["authorization"] == f"Bearer {KEY}" and headers["x-custom"] == "kept"
    assert "x-hop" not in headers and headers["host"] == fake.url.removeprefix("http://")
    assert answer.headers["set-cookie"].startswith("upstream-session=")  # the client gets the upstream's headers
    assert answer.headers["x-org-id"] == "org-secret-42"


def test_a_path_the_spec_lacks_and_a_request_the_mock_rejects_still_reach_the_upstream(proxy, fake):
    with httpx.Client(base_url=proxy.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as http:
        unknown = http.get("/v2/not-in-the-spec?q=1")
        rejected = http.post("/v1/chat/completions", json={"model": "echo"})  # no messages: the mock says 400
    assert unknown.status_code == 200 and unknown.json()["path"] == "/v2/not-in-the-spec"
    assert rejected.status_code == 200 and rejected.json()["body"] == '{"model":"echo"}'
    first, second = journal(proxy)
    assert first["answered_by"] == second["answered_by"] == "proxy"
    assert second["proxy"]["request_rejected"]["status"] == 400
    assert "messages" in second["proxy"]["request_rejected"]["message"]


def test_a_refused_connection_is_a_502_in_each_dialect(make_server):
    server = make_server(upstream=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(openai.InternalServerError) as caught:
        client_for(server).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert caught.value.status_code == 502 and caught.value.body["code"] == "upstream_unreachable"
    claude = anthropic.Anthropic(base_url=server.url, api_key=KEY, max_retries=0)
    with pytest.raises(anthropic.APIStatusError) as caught_claude:
        claude.messages.create(model="claude-sonnet-4-20250514", max_tokens=10, messages=HELLO)
    assert caught_claude.value.status_code == 502 and caught_claude.value.body["type"] == "error"
    assert caught_claude.value.body["error"]["type"] == "api_error"
    assert all("cannot connect" in e["proxy"]["error"] for e in journal(server))


def test_an_upstream_that_never_answers_is_a_504(proxy):
    with pytest.raises(openai.APIStatusError) as caught:
        client_for(proxy).chat.completions.create(model="hang", messages=HELLO)
    assert caught.value.status_code == 504 and caught.value.body["code"] == "upstream_timeout"
    assert "did not answer within 0.5s" in journal(proxy)[0]["proxy"]["error"]


def test_a_stream_cut_off_becomes_the_dialects_mid_stream_error(proxy):
    received = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in client_for(proxy).chat.completions.create(model="drop", messages=HELLO, stream=True):
            received.append(chunk.choices[0].delta.content)
    assert received == ["one", " two"] and "broke off its answer" in caught.value.message
    claude = anthropic.Anthropic(base_url=proxy.url, api_key=KEY, max_retries=0)
    texts = []
    with pytest.raises(anthropic.APIStatusError) as caught_claude:
        for event in claude.messages.create(model="drop", max_tokens=10, messages=HELLO, stream=True):
            if event.type == "content_block_delta":
                texts.append(event.delta.text)
    assert texts == ["Hel"] and "broke off its answer" in str(caught_claude.value)
    assert all("broke off" in e["proxy"]["error"] for e in journal(proxy))


def test_a_stream_that_stalls_midway_ends_with_a_timeout_error(proxy):
    received = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in client_for(proxy).chat.completions.create(model="stall-mid", messages=HELLO, stream=True):
            received.append(chunk.choices[0].delta.content)
    assert received == ["one"] and "stopped sending for 0.5s" in caught.value.message


def test_compressed_answers_pass_through_and_are_recorded_decoded(make_server, fake, tmp_path):
    server = make_server(upstream=fake.url, record_dir=tmp_path)
    answer = httpx.post(server.url + "/v1/chat/completions", json={"model": "gzip", "messages": HELLO},
                        headers={"Authorization": f"Bearer {KEY}", "Accept-Encoding": "gzip"}, timeout=10)
    assert answer.headers["content-encoding"] == "gzip" and answer.json() == COMPLETION
    with httpx.stream("POST", server.url + "/v1/chat/completions", json={"model": "gzip", "messages": HELLO},
                      headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as raw:
        sent = b"".join(raw.iter_raw())
    assert gzip.decompress(sent) == orjson.dumps(COMPLETION)  # the bytes as the upstream sent them
    [path] = tmp_path.glob("*.yaml")
    recorded = yaml.safe_load(path.read_text())
    assert recorded["sequence"][0]["raw"]["body"] == COMPLETION and "content-encoding" not in path.read_text()


def test_recordings_keep_out_secrets_and_what_redact_names(make_server, fake, tmp_path):
    server = make_server(upstream=fake.url, record_dir=tmp_path, redact=("x-org-id", "$.headers[*]", "$.query"))
    answer = httpx.post(server.url + "/v1/chat/completions?key=query-secret-1234", timeout=10,
                        json={"model": "echo", "messages": HELLO},
                        headers={"Authorization": f"Bearer {KEY}", "Cookie": "sid=cookie-secret-5678"})
    assert answer.status_code == 200 and answer.headers["x-org-id"] == "org-secret-42"
    entry = eventually(lambda: journal(server)[0]["proxy"].get("recorded"))
    text = Path(entry).read_text()
    for secret in (KEY, "query-secret-1234", "cookie-secret-5678", "org-secret-42", "upstream-session", "abc123xyz"):
        assert secret not in text
    body = yaml.safe_load(text)["raw"]["body"]
    assert body["query"] == "[redacted]" and set(body["headers"]) == {"[redacted]"}
    assert body["body"] == answer.json()["body"]  # what --redact does not name is kept


def test_scenarios_still_answer_first(make_server, fake, tmp_path):
    """The real API, except a 429 on the third call."""
    (tmp_path / "third.yaml").write_text(
        "name: third-call-429\nmatch: {model: echo}\nsequence:\n  - pass: true\n  - pass: true\n"
        "  - fault: {status: 429, retry_after_ms: 5}\n")
    server = make_server(upstream=fake.url, scenario_dirs=(tmp_path,))
    before = fake.hits("/v1/chat/completions")
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as http:
        answers = [http.post("/v1/chat/completions", json={"model": "echo", "messages": HELLO}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].json()["path"] == "/v1/chat/completions" and answers[2].json()["error"]["type"] == "requests"
    assert fake.hits("/v1/chat/completions") == before + 2
    labels = [e["answered_by"] for e in journal(server)]
    assert labels == ["proxy", "proxy", "scenario:third-call-429"]
    assert journal(server)[0]["scenario"]["name"] == "third-call-429"


def test_record_mode_new_answers_from_recordings_and_all_records_again(make_server, fake, tmp_path):
    first = make_server(upstream=fake.url, record_dir=tmp_path)
    request = {"model": "plain", "messages": [{"role": "user", "content": "record me"}]}
    client_for(first).chat.completions.create(**request)
    client_for(first).chat.completions.create(**request)  # the same request again: a second step
    [path] = tmp_path.glob("*.yaml")
    assert len(yaml.safe_load(path.read_text())["sequence"]) == 2
    hits = fake.hits("/v1/chat/completions")
    again = make_server(upstream=fake.url, record_dir=tmp_path)
    assert client_for(again).chat.completions.create(**request).choices[0].message.content == "Fake answer."
    assert fake.hits("/v1/chat/completions") == hits
    assert journal(again)[0]["answered_by"] == f"scenario:{path.stem}"
    everything = make_server(upstream=fake.url, record_dir=tmp_path, record_mode="all")
    client_for(everything).chat.completions.create(**request)
    assert fake.hits("/v1/chat/completions") == hits + 1
    assert [p.name for p in tmp_path.glob("*.yaml")] == [path.name]  # replaced: one step again
    assert "sequence" not in yaml.safe_load(path.read_text())


def test_what_cannot_be_replayed_is_not_recorded(make_server, fake, tmp_path):
    server = make_server(upstream=fake.url, record_dir=tmp_path)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as http:
        http.get("/v2/not-in-the-spec")
        http.post("/v1/chat/completions", json={"model": "echo"})
    reasons = [e["proxy"]["not_recorded"] for e in journal(server)]
    assert "no operation for this path" in reasons[0] and "the mock answers this request itself" in reasons[1]
    assert list(tmp_path.iterdir()) == []


def test_a_key_the_upstream_echoes_is_scrubbed_from_the_recording(make_server, fake, tmp_path):
    server = make_server(upstream=fake.url, record_dir=tmp_path)
    answer = httpx.post(server.url + "/v1/chat/completions", json={"model": "echo", "messages": HELLO},
                        headers={"x-api-key": KEY}, timeout=10)
    assert KEY in answer.text  # the client gets the upstream's answer unchanged
    path = Path(eventually(lambda: journal(server)[0]["proxy"].get("recorded")))
    assert KEY not in path.read_text() and "[redacted]" in path.read_text()


def test_off_spec_answers_are_flagged_and_passed_on_unchanged(proxy, fake):
    with httpx.Client(base_url=proxy.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as http:
        banana = http.post("/v1/chat/completions", json={"model": "offspec", "messages": HELLO})
        envelope = http.post("/v1/chat/completions", json={"model": "offspec-error", "messages": HELLO})
        with http.stream("POST", "/v1/chat/completions",
                         json={"model": "offspec-stream", "messages": HELLO, "stream": True}) as stream:
            streamed = b"".join(stream.iter_raw())
            stream_header = stream.headers.get("x-mock-violations")
    assert banana.json()["choices"][0]["finish_reason"] == "banana"  # the body as the upstream sent it
    assert banana.headers["x-mock-violations"].startswith("1; response_body_conformance:choices[0].finish_reason")
    assert envelope.status_code == 400 and envelope.json() == {"oops": "not an error envelope"}
    assert "error_envelope_conformance" in envelope.headers["x-mock-violations"]
    assert b'"choices": "nope"' in streamed and stream_header is None  # a stream's events are checked as they pass
    entries = journal(proxy)
    [banana_found] = entries[0]["proxy"]["violations"]
    assert banana_found["check"] == "response_body_conformance" and banana_found["got"] == '"banana"'
    assert entries[1]["proxy"]["violations"][0]["check"] == "error_envelope_conformance"
    stream_found = eventually(lambda: journal(proxy)[2]["proxy"].get("violations"))
    assert {v["check"] for v in stream_found} >= {"stream_event_conformance"}
    assert any("event 2" in v["where"] for v in stream_found)


def test_an_answer_the_spec_documents_passes_clean(proxy):
    answer = httpx.post(proxy.url + "/v1/chat/completions", json={"model": "plain", "messages": HELLO},
                        headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
    assert answer.status_code == 200 and "x-mock-violations" not in answer.headers
    entry = journal(proxy)[0]["proxy"]
    assert "violations" not in entry and "unchecked" not in entry
