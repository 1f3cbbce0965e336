"""A user's suite, as the plugin's tests run it (copied in as test_user_suite.py): eleven tests pass; one marker
file is broken and the last two tests fail, on purpose, so their messages and report sections can be checked."""

import httpx
import anthropic
import openai
import pytest
from google import genai

from mockserver.testing import ScenarioRejected

pytestmark = pytest.mark.mockserver_scenarios("scenarios/module.yaml")
CLAUDE = "claude-sonnet-4-20250514"


def ask(client, text, model="gpt-4o"):
    reply = client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
    return reply.choices[0].message.content


def claude(client, text, model=CLAUDE):
    return client.messages.create(model=model, max_tokens=64, messages=[{"role": "user", "content": text}])


def test_default_replies(openai_client, anthropic_client, genai_client, mock):
    assert "Hi there" in ask(openai_client, "Hi there")
    assert "Hello Claude" in claude(anthropic_client, "Hello Claude").content[0].text
    gemini = genai_client.models.generate_content(model="gemini-2.0-flash", contents="Hello Gemini")
    assert "Hello Gemini" in gemini.text
    entries = mock.requests()
    assert [(e["operation"], e["status"], e["answered_by"]) for e in entries] == [
        ("createChatCompletion", 200, "chat:create"), ("createMessage", 200, "messages:create"),
        ("geminiV1GenerateContent", 200, "gemini:generate")]
    assert entries[0]["body"]["messages"][0]["content"] == "Hi there"


def test_a_scenario_for_this_test(openai_client, mock):
    mock.scenario({"name": "refund", "match": {"message": "refund"}, "reply": {"text": "Refund approved."}})
    assert ask(openai_client, "I want a refund") == "Refund approved."
    assert ask(openai_client, "hello") != "Refund approved."
    hit, miss = mock.requests()
    assert hit["scenario"]["name"] == "refund" and "scenario" not in miss
    assert mock.requests(scenario="refund") == [hit]
    assert [s["name"] for s in mock.scenarios()] == ["from-module", "shared", "refund"]
    with pytest.raises(ScenarioRejected, match=r"request body:1: .*status must be an error status"):
        mock.scenario({"name": "bad", "match": {}, "fault": {"status": 200}})
    with pytest.raises(TypeError, match="unknown journal filter"):
        mock.requests(model="gpt-4o")


def test_scenarios_do_not_leak_into_the_next_test(openai_client, mock):
    assert ask(openai_client, "I want a refund") != "Refund approved."
    assert [e["answered_by"] for e in mock.requests()] == ["chat:create"]


def test_429_then_success_through_the_sdk_retry(openai_client, mock):
    mock.fail(429, times=2)
    assert ask(openai_client, "hi")
    assert [e["status"] for e in mock.requests()] == [429, 429, 200]


def test_overloaded_then_success_with_anthropic(anthropic_client, mock):
    mock.fail(529, times=1, then="Back again.")
    assert claude(anthropic_client, "hi").content[0].text == "Back again."
    assert [e["status"] for e in mock.requests(operation="createMessage")] == [529, 200]


def test_clients_built_from_the_environment(mock):
    mock.reply("Scripted.")
    assert ask(openai.OpenAI(), "from env") == "Scripted."
    assert claude(anthropic.Anthropic(), "from env").content[0].text == "Scripted."
    assert genai.Client().models.generate_content(model="gemini-2.0-flash", contents="from env").text == "Scripted."
    assert [e["test_id"] for e in mock.requests()] == [mock.test_id] * 3


@pytest.mark.mockserver_scenarios("scenarios/function.yaml")
def test_marker_files(openai_client):
    assert ask(openai_client, "a module scenario") == "from the module file"
    assert ask(openai_client, "a function scenario") == "from the function file"
    assert ask(openai_client, "shared") == "the function's shared"


@pytest.mark.mockserver_scenarios("scenarios/function.yaml")
def test_marker_without_the_mock_fixture():
    assert ask(openai.OpenAI(), "a function scenario") == "from the function file"


@pytest.mark.mockserver_scenarios("scenarios/broken.yaml")
def test_marker_with_a_broken_file():
    pass


class TestClassMarker:
    pytestmark = pytest.mark.mockserver_scenarios("scenarios/class")

    def test_directory(self, openai_client):
        assert ask(openai_client, "a class scenario") == "from the class directory"
        assert ask(openai_client, "shared") == "the module's shared"
        assert ask(openai_client, "a function scenario") != "from the function file"


@pytest.mark.asyncio
async def test_async_clients(async_openai_client, async_anthropic_client, genai_client, mock):
    mock.reply("Async words.")
    reply = await async_openai_client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    message = await claude(async_anthropic_client, "hi")
    gemini = await genai_client.aio.models.generate_content(model="gemini-2.0-flash", contents="hi")
    stream = await async_openai_client.chat.completions.create(
        model="gpt-4o", stream=True, messages=[{"role": "user", "content": "hi"}])
    streamed = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert [reply.choices[0].message.content, message.content[0].text, gemini.text, streamed] == ["Async words."] * 4


def test_slow_and_dying_streams(openai_client, anthropic_client, mock):
    mock.slow_stream("One two three four.", ttft_ms=20, tokens_per_second=500, match={"model": "slow-*"})
    mock.dying_stream(after=3, match={"model": "dies"})
    mock.dying_stream(after=2, error=529, match={"model": "claude-fails"})
    chunks = openai_client.chat.completions.create(model="slow-1", stream=True,
                                                   messages=[{"role": "user", "content": "hi"}])
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "One two three four."
    with pytest.raises((openai.APIConnectionError, httpx.RemoteProtocolError)):
        for _ in openai_client.chat.completions.create(model="dies", stream=True,
                                                       messages=[{"role": "user", "content": "hi"}]):
            pass
    with pytest.raises(anthropic.APIStatusError):
        with anthropic_client.messages.stream(model="claude-fails", max_tokens=64,
                                              messages=[{"role": "user", "content": "hi"}]) as stream:
            stream.until_done()
    assert [(e["scenario"]["name"], e["status"]) for e in mock.requests()] == [
        ("slow-stream-1", 200), ("dying-stream-2", 200), ("dying-stream-3", 200)]


def test_fails_and_shows_its_journal(openai_client, mock):
    mock.reply("approved", match={"message": "refund"}, name="refunds")
    assert ask(openai_client, "hello") == "approved"


def test_fails_without_a_request(mock):
    assert mock.requests()
