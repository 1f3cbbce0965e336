"""The pytest plugin as a user meets it: small suites run by `pytester` in their own pytest processes, with
the plugin loaded from the package's entry point.

`pytester` drops the modules first imported during its test from `sys.modules`; code of this process that goes on
using them afterwards breaks (httpx no longer recognises httpcore's errors, and the proxy tests fail). So the
servers these tests need run as `mockserver serve` processes, and httpx makes a request before any test here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cli_helpers import cli_server

from mockserver.dialects import conversations
from mockserver.testing.handle import CONVERSATIONS

pytest_plugins = ["pytester"]
SUITE = Path(__file__).parent / "plugin_suite"
# This venv's heavy plugins (Schemathesis, Hypothesis) cost seconds per process and no user suite here needs them.
# A suite that turns warnings into errors must not meet a socket the client fixtures left open.
INI = """[pytest]
asyncio_default_fixture_loop_scope = function
addopts = -p no:cacheprovider -p no:schemathesis -p no:hypothesispytest -p no:anyio
filterwarnings =
    error::ResourceWarning
    error::pytest.PytestUnraisableExceptionWarning
"""
PASSED, FAILED, ERRORS = 11, 2, 1


@pytest.fixture(scope="module", autouse=True)
def imported_before_pytester(server) -> None:
    """The session server and a real httpx request: every module they need is imported before pytester looks."""
    httpx.get(server.url + "/_mock/health").raise_for_status()


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A directory holding the user suite (tests/plugin_suite) and its scenario files."""
    shutil.copytree(SUITE / "scenarios", pytester.path / "scenarios")
    shutil.copy(SUITE / "user_suite.py", pytester.path / "test_user_suite.py")
    pytester.makeini(INI)
    return pytester


def check_reports(result: pytest.RunResult) -> None:
    """The two failing tests show their journals; passing tests show none."""
    result.stdout.fnmatch_lines([
        "*_ test_fails_and_shows_its_journal _*",
        "*- mockserver journal -*",
        "1 request(s) of test id test_fails_and_shows_its_journal-*, oldest first:",
        "1. POST /v1/chat/completions (createChatCompletion model=gpt-4o) -> 200, answered by chat:create",
        "     no scenario matched; nearest:",
        "       this test's 'refunds': last user message 'hello' does not contain 'refund'",
    ], consecutive=False)
    result.stdout.fnmatch_lines([
        "*- mockserver journal -*",
        "No request of this test reached the mock. Requests belong to the test by the key "
        "sk-mock-test-test_fails_without_a_request-* or the header X-Test-Id: test_fails_without_a_request-*",
    ])
    assert result.stdout.str().count("- mockserver journal -") == FAILED
    result.stdout.fnmatch_lines([
        "@pytest.mark.mockserver_scenarios: the mock rejected */scenarios/broken.yaml:",
        "*/scenarios/broken.yaml:3: scenario 'broken'.fault.status must be an error status (400-599), not 200*"])


def test_a_users_suite_against_a_server_given_by_url(suite: pytest.Pytester, tmp_path: Path) -> None:
    """Default replies, per-test scenarios that do not leak, SDK retries, env-built and async clients, marker
    files, streams and the report section, all against one server the suite did not start."""
    with cli_server("--quiet", cwd=tmp_path) as external:
        result = suite.runpytest_subprocess(f"--mockserver-url={external.url}")
        journal = httpx.get(external.url + "/_mock/requests", params={"path": "/v1/chat/completions"}).json()["data"]
    result.assert_outcomes(passed=PASSED, failed=FAILED, errors=ERRORS)
    check_reports(result)
    ids = {e["test_id"] for e in journal if (e["test_id"] or "").startswith("test_a_scenario_for_this_test-")}
    assert len(ids) == 1


def test_the_same_suite_under_xdist(suite: pytest.Pytester) -> None:
    """Two workers, each with its own in-process server: the same outcomes and report sections."""
    result = suite.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=PASSED, failed=FAILED, errors=ERRORS)
    result.stdout.fnmatch_lines(["*created: 2/2 workers*"])
    check_reports(result)


def test_clients_skip_without_their_sdk(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makeconftest("import sys\nsys.modules['google.genai'] = None\nsys.modules['anthropic'] = None\n")
    pytester.makepyfile("""
        import os

        def test_genai(genai_client):
            pass

        def test_anthropic(async_anthropic_client):
            pass

        def test_openai_without_requests(openai_client, mock):
            assert mock.requests() == []
            assert os.environ["OPENAI_API_KEY"] == mock.api_key == "sk-mock-test-" + mock.test_id
            assert os.environ["ANTHROPIC_BASE_URL"] == mock.url
    """)
    result = pytester.runpytest_subprocess("-rs")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*genai_client needs the google-genai package (pip install google-genai)*",
                                 "*async_anthropic_client needs the anthropic package (pip install anthropic)*"],
                                consecutive=False)


def test_the_plugin_turns_off_and_names_a_missing_server(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile("def test_uses_the_mock(mock):\n    pass\n")
    off = pytester.runpytest_subprocess("-p", "no:mockserver")
    off.assert_outcomes(errors=1)
    off.stdout.fnmatch_lines(["*fixture 'mock' not found*"])
    nowhere = pytester.runpytest_subprocess("--mockserver-url=http://127.0.0.1:9")
    nowhere.assert_outcomes(errors=1)
    nowhere.stdout.fnmatch_lines(["*no mock server answers at http://127.0.0.1:9*start one with `mockserver serve`*"])
    no_upstream = pytester.runpytest_subprocess("--mockserver-record")
    no_upstream.stderr.fnmatch_lines(["*--mockserver-record needs --mockserver-upstream URL*"])


def test_importing_the_plugin_loads_no_server() -> None:
    """pytest imports the plugin in every session of everyone who installs the package."""
    code = ("import sys, mockserver.pytest_plugin\n"
            "heavy = [m for m in ('mockserver.app', 'uvicorn', 'starlette', 'httpx', 'yaml') if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_helpers_match_every_conversation_operation(spec) -> None:
    conversing = {op.handler_name for op in spec.operations if op.handler_name in conversations()}
    assert set(CONVERSATIONS) == conversing


RECORDED_SUITE = """
import os

import openai


def test_story(mock):
    client = openai.OpenAI()                      # built from the environment, as the code under test does
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Tell me a story"}])
    assert reply.choices[0].message.content == "Once upon a time, a test passed."
    chunks = client.chat.completions.create(model="gpt-4o", stream=True,
                                            messages=[{"role": "user", "content": "Stream a poem"}])
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Roses are red."
    assert [(e["operation"], e["status"]) for e in mock.requests()] == [("createChatCompletion", 200)] * 2


def test_changed(openai_client):
    prompt = "Name a river" + os.environ.get("CHANGE", "")
    openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])


def test_scripted(mock, openai_client):
    mock.reply("Scripted.")
    reply = openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "Scripted."
"""
NEW_TEST = """

def test_new(openai_client):
    openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "new"}])
"""
UPSTREAM_SCENARIOS = """
- name: story
  match: {message: story}
  reply: {text: "Once upon a time, a test passed."}
- name: poem
  match: {message: poem}
  reply: {text: "Roses are red."}
"""


def test_record_then_replay_without_the_upstream(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    """A run with --mockserver-record goes through the proxy to the upstream and writes each test's folder; the
    next run replays it with the upstream gone; a changed request or a test without a recording fails, saying
    how to record."""
    pytester.makeini(INI)
    pytester.makepyfile(test_recorded=RECORDED_SUITE)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-key-of-the-user")  # recording keeps the user's key
    with cli_server("--quiet", cwd=tmp_path) as upstream:
        httpx.post(upstream.url + "/_mock/scenarios", content=UPSTREAM_SCENARIOS).raise_for_status()
        recorded = pytester.runpytest_subprocess("--mockserver-record", f"--mockserver-upstream={upstream.url}")
        forwarded = httpx.get(upstream.url + "/_mock/requests").json()["data"]
    recorded.assert_outcomes(passed=3)
    assert len(forwarded) == 3  # the story, the poem, the river; the scripted reply never left the mock
    folder = pytester.path / "recordings" / "test_recorded"
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml")}
    assert {f for f in files if f.endswith("/recorded.yaml")} == {
        "test_story/recorded.yaml", "test_changed/recorded.yaml", "test_scripted/recorded.yaml"}
    assert len([f for f in files if f.startswith("test_story/createChatCompletion-gpt-4o-")]) == 2
    assert not any("sk-live-key-of-the-user" in p.read_text() for p in folder.rglob("*.yaml"))

    pytester.makepyfile(test_recorded=RECORDED_SUITE + NEW_TEST)
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("CHANGE", " please")
    replayed = pytester.runpytest_subprocess()
    replayed.assert_outcomes(passed=2, failed=1, errors=1)
    replayed.stdout.fnmatch_lines([
        "*NotFoundError: Error code: 404 - No recording or scenario answers POST /v1/chat/completions*"
        "'Name a river please' does not equal 'Name a river'*",
        "*- mockserver journal -*",
        "Replaying */recordings/test_recorded/test_changed (strict: *). To record again: "
        "pytest --mockserver-record --mockserver-upstream URL 'test_recorded.py::test_changed'",
    ], consecutive=False)
    replayed.stdout.fnmatch_lines([
        "*no recording of this test in */recordings/test_recorded/test_new (its module has recordings, so it "
        "replays them); record it against the real API with: "
        "pytest --mockserver-record --mockserver-upstream URL 'test_recorded.py::test_new'"])
