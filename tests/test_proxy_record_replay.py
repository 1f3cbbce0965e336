"""Record through the proxy, stop the upstream, replay: the official SDKs get the same content, offline.

The upstream is a second mockserver over real HTTP with another seed (its text differs from a seed-0 server's);
the proxy records into a temporary directory, which a third server then replays with `--strict`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
import yaml
from google import genai

from conftest import RunningServer, eventually, start_server

OPENAI_KEY = "sk-live-openai-5e3c9a7b1d"
ANTHROPIC_KEY = "sk-ant-live-7f2e4c1a9b"
GEMINI_KEY = "AIza-live-gemini-8d6b2f0e4c"
COOKIE = "session=cookie-secret-77aa"
SECRETS = (OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY, "cookie-secret-77aa")
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
CLAUDE = "claude-sonnet-4-20250514"


def run_flows(url: str) -> dict[str, Any]:
    """Every flow the issue lists, through the official SDKs (and httpx for the Midjourney job)."""
    oai = openai.OpenAI(base_url=url + "/v1", api_key=OPENAI_KEY, max_retries=0,
                        default_headers={"Cookie": COOKIE})
    claude = anthropic.Anthropic(base_url=url, api_key=ANTHROPIC_KEY, max_retries=0)
    gemini = genai.Client(api_key=GEMINI_KEY, http_options={"base_url": url})
    out: dict[str, Any] = {}

    plain = oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Name three rivers"}])
    out["chat"] = (plain.id, plain.choices[0].message.content, plain.usage.total_tokens)

    chunks = list(oai.chat.completions.create(model="gpt-4o", stream=True, stream_options={"include_usage": True},
                                              messages=[{"role": "user", "content": "Stream me a {{poem}}"}]))
    out["chat_stream"] = ("".join(c.choices[0].delta.content or "" for c in chunks if c.choices),
                          len(chunks), chunks[-1].usage.total_tokens)

    ask = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = oai.chat.completions.create(model="gpt-4o", messages=ask, tools=[WEATHER])
    call = first.choices[0].message.tool_calls[0]
    follow = ask + [first.choices[0].message.model_dump(exclude_none=True),
                    {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 18}'}]
    second = oai.chat.completions.create(model="gpt-4o", messages=follow, tools=[WEATHER])
    out["tools"] = (call.id, call.function.name, call.function.arguments, second.choices[0].message.content)

    events = list(oai.responses.create(model="gpt-4o", input="Say hello in French", stream=True))
    out["responses_stream"] = ([e.type for e in events],
                               "".join(e.delta for e in events if e.type == "response.output_text.delta"))

    with claude.messages.stream(model=CLAUDE, max_tokens=200,
                                messages=[{"role": "user", "content": "Hello, Claude"}]) as stream:
        message = stream.get_final_message()
    out["anthropic_stream"] = (message.id, message.content[0].text, message.usage.output_tokens)

    reply = gemini.models.generate_content(model="gemini-2.0-flash", contents="Why is the sky blue?")
    out["gemini"] = reply.text

    out["speech"] = oai.audio.speech.create(model="tts-1", voice="alloy", input="Hello there").content

    image = oai.images.generate(model="dall-e-3", prompt="A red fox in the snow")
    out["image_url"] = image.data[0].url
    out["image"] = httpx.get(image.data[0].url, timeout=30).content

    headers = {"Authorization": f"Bearer {OPENAI_KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        submitted = http.post("/mj/submit/imagine", json={"prompt": "A lighthouse at dusk [mock:polls=3]"}).json()
        job_id, polls = submitted["result"], []
        for _ in range(10):
            task = http.get(f"/mj/task/{job_id}/fetch").json()
            polls.append((task["status"], task["progress"]))
            if task["status"] in ("SUCCESS", "FAILURE"):
                break
        out["mj"] = (job_id, polls)
        out["mj_image_url"] = task["imageUrl"]
        out["mj_image"] = httpx.get(task["imageUrl"], headers=headers, timeout=30).content
    return out


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Record every flow through a proxy in front of a seed-7 upstream; then stop both."""
    directory = tmp_path_factory.mktemp("recordings")
    upstream, stop_upstream = start_server(seed=7)
    proxy, stop_proxy = start_server(upstream=upstream.url, record_dir=directory)
    try:
        live = run_flows(proxy.url)
        journal = proxy.mock.services.state.journal
        done = eventually(lambda: all(e.proxy and ("recorded" in e.proxy or "not_recorded" in e.proxy)
                                      for e in journal.entries if e.answered_by == "proxy"))
        assert done, [e.proxy for e in journal.entries]
        entries = [e.to_json() for e in journal.entries]
        direct = openai.OpenAI(base_url=upstream.v1, api_key=OPENAI_KEY, max_retries=0)
        live["speech_direct"] = direct.audio.speech.create(model="tts-1", voice="alloy", input="Hello there").content
    finally:
        stop_proxy()
        stop_upstream()
    yield {"live": live, "dir": directory, "journal": entries, "upstream": upstream.url}


@pytest.fixture(scope="module")
def replayer(recording: dict[str, Any]) -> Iterator[RunningServer]:
    """A server replaying the recordings with no upstream, strictly."""
    running, stop = start_server(scenario_dirs=(recording["dir"],), replay_timing="none", strict=True)
    yield running
    stop()


@pytest.fixture(scope="module")
def replayed(replayer: RunningServer) -> dict[str, Any]:
    """The same flows against the replayer."""
    return run_flows(replayer.url)


def test_every_exchange_was_forwarded_and_recorded(recording):
    proxied = [e for e in recording["journal"] if e["answered_by"] == "proxy"]
    assert len(proxied) == 10 + len(recording["live"]["mj"][1])  # ten calls, then one per Midjourney poll
    assert all(e["proxy"]["upstream"].startswith(recording["upstream"]) for e in proxied)
    assert [e for e in proxied if "recorded" not in e["proxy"]] == []
    assert [e["proxy"] for e in proxied if "violations" in e["proxy"]] == []  # the mock upstream keeps to its spec


@pytest.mark.parametrize("flow", ["chat", "chat_stream", "tools", "responses_stream", "anthropic_stream", "gemini",
                                  "speech", "image", "mj", "mj_image"])
def test_replay_gives_the_recorded_content(recording, replayed, flow):
    assert replayed[flow] == recording["live"][flow]


def test_binary_answers_pass_through_byte_for_byte(recording):
    assert recording["live"]["speech"] == recording["live"]["speech_direct"]
    assert recording["live"]["speech"][:3] == b"ID3"


def test_recorded_text_is_the_upstreams_not_the_replayers_default(recording, oai):
    """The upstream runs another seed: what the replayer sends came from the recording, not its own engine."""
    own = oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Name three rivers"}])
    assert own.choices[0].message.content != recording["live"]["chat"][1]


def test_the_mj_job_progresses_as_it_did_and_its_image_is_served_by_the_replayer(recording, replayed, replayer):
    statuses = [status for status, _ in recording["live"]["mj"][1]]
    assert len(statuses) >= 3 and statuses[-1] == "SUCCESS" and statuses[0] != "SUCCESS"
    assert replayed["mj_image_url"].startswith(replayer.url + "/_mock/recordings/")
    assert replayed["image_url"].startswith(replayer.url + "/_mock/recordings/")
    assert recording["live"]["image"][:8] == b"\x89PNG\r\n\x1a\n"


def test_no_key_or_cookie_reaches_any_file(recording):
    files = [p for p in Path(recording["dir"]).rglob("*") if p.is_file()]
    assert any(p.suffix == ".yaml" for p in files) and any(p.suffix == ".mp3" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret} in {path.name}"


def test_recordings_are_scenarios_with_readable_matches(recording):
    chat = load_recordings(recording["dir"], "createChatCompletion")
    plain = next(doc for doc in chat if doc["match"].get("message") == {"equals": "Name three rivers"})
    assert plain["match"]["operation"] == "createChatCompletion" and plain["match"]["model"] == "gpt-4o"
    assert plain["match"]["stream"] is False and len(plain["match"]["fingerprint"]) == 20
    assert plain["raw"]["body"]["choices"][0]["message"]["content"] == recording["live"]["chat"][1]
    streamed = next(doc for doc in chat if doc["match"]["stream"] is True)
    assert streamed["match"]["message"] == {"equals": "Stream me a {{poem}}"}
    assert all(set(e) <= {"event", "data", "delay_ms"} and e["delay_ms"] >= 0 for e in streamed["raw"]["events"])
    assert streamed["raw"]["events"][-1]["data"] == "[DONE]"
    follow_up = next(doc for doc in chat if doc["match"].get("tool_result"))
    assert "Based on the tool results" in follow_up["raw"]["body"]["choices"][0]["message"]["content"]
    anthropic_events = load_recordings(recording["dir"], "createMessage")[0]["raw"]["events"]
    assert anthropic_events[0]["event"] == "message_start"
    speech = load_recordings(recording["dir"], "createSpeech")[0]
    assert speech["raw"]["headers"]["content-type"] == "audio/mpeg"
    assert (Path(recording["dir"]) / speech["raw"]["body_file"]).read_bytes() == recording["live"]["speech"]


def test_an_async_job_is_one_file_whose_polls_are_a_sequence(recording):
    [path] = Path(recording["dir"]).glob("mjSubmitImagine-*.yaml")
    submit, polls = yaml.safe_load(path.read_text())["scenarios"]
    assert submit["raw"]["body"]["result"] == recording["live"]["mj"][0]
    assert polls["match"]["operation"] == "mjFetchTask"
    statuses = [step["raw"]["body"]["status"] for step in polls["sequence"]]
    assert statuses == [status for status, _ in recording["live"]["mj"][1]]
    last_url = polls["sequence"][-1]["raw"]["body"]["imageUrl"]
    assert last_url.startswith("{{base_url}}/_mock/recordings/") and (Path(recording["dir"]) /
                                                                      last_url.rsplit("/", 1)[1]).is_file()


def test_replay_is_journaled_as_scenarios(replayer, replayed):
    entries = httpx.get(replayer.url + "/_mock/requests").json()["data"]
    assert entries and all(e["answered_by"].startswith("scenario:") or e["path"].startswith("/_mock/")
                           for e in entries)


def test_strict_replay_names_the_nearest_recordings(replayer, replayed):
    client = openai.OpenAI(base_url=replayer.v1, api_key="sk-test", max_retries=0)
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Name four rivers"}])
    message = caught.value.body["message"]
    assert caught.value.body["code"] == "no_matching_recording"
    assert "Nearest: 'createChatCompletion-gpt-4o-name-three-rivers-" in message
    assert "last user message 'Name four rivers' does not equals 'Name three rivers'" in message
    claude = anthropic.Anthropic(base_url=replayer.url, api_key="sk-test", max_retries=0)
    with pytest.raises(anthropic.NotFoundError) as caught_claude:
        claude.messages.create(model=CLAUDE, max_tokens=10, messages=[{"role": "user", "content": "Other"}])
    assert caught_claude.value.body["type"] == "error" and "Nearest:" in caught_claude.value.body["error"]["message"]


def test_hand_edited_recordings_load(recording, make_server, tmp_path):
    """Change the answer's text, loosen the match (no fingerprint), add a hand-written stream: all replay."""
    edited = tmp_path / "edited"
    edited.mkdir()
    source = next(p for p in Path(recording["dir"]).glob("createChatCompletion-gpt-4o-name-three-rivers-*.yaml"))
    text = source.read_text()
    assert text.count(recording["live"]["chat"][1]) == 1  # a hand edit: the reply's text, as the file shows it
    text = text.replace(recording["live"]["chat"][1], "Edited by hand.")
    text = "\n".join(line for line in text.splitlines() if "fingerprint:" not in line)
    (edited / "rivers.yaml").write_text(text)
    (edited / "clip.wav").write_bytes(recording["live"]["speech"])
    (edited / "handwritten.yaml").write_text(HANDWRITTEN)
    server = make_server(scenario_dirs=(edited,), replay_timing="x1000")
    client = openai.OpenAI(base_url=server.v1, api_key="sk-test", max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o", temperature=0.2,
                                           messages=[{"role": "user", "content": "Name three rivers"}])
    assert reply.choices[0].message.content == "Edited by hand."
    chunks = list(client.chat.completions.create(model="gpt-4o", stream=True,
                                                 messages=[{"role": "user", "content": "handwritten"}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hi {{there}}"
    audio = client.audio.speech.create(model="tts-1", voice="alloy", input="anything")
    assert audio.content == recording["live"]["speech"] and audio.response.headers["content-type"] == "audio/mpeg"


HANDWRITTEN = """\
scenarios:
  - name: handwritten-stream
    match: {operation: createChatCompletion, message: {equals: handwritten}, stream: true}
    raw:
      headers: {content-type: text/event-stream}
      events:
        - {data: '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi "},"finish_reason":null}]}', delay_ms: 20}
        - frame: ": a comment the SDK skips\\n\\n"
          delay_ms: 5
        - {data: '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"{{lbraces}}there}}"},"finish_reason":"stop"}]}', delay_ms: 10}
        - {data: '[DONE]'}
  - name: handwritten-speech
    match: {operation: createSpeech}
    raw:
      headers: {content-type: audio/mpeg}
      body_file: clip.wav
"""


def load_recordings(directory: Path, operation: str) -> list[dict[str, Any]]:
    """Every recorded scenario of an operation (files holding one scenario or a list)."""
    found = []
    for path in sorted(Path(directory).glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        for scenario in document.get("scenarios", [document]):
            if scenario["match"]["operation"] == operation:
                found.append(scenario)
    return found


@pytest.fixture
def copy_of(recording: dict[str, Any], tmp_path: Path) -> Callable[[], Path]:
    """A fresh copy of the recordings (for tests that record into them again)."""
    def make() -> Path:
        target = tmp_path / "copy"
        shutil.copytree(recording["dir"], target)
        return target
    return make
