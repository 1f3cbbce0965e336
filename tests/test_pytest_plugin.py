"""The pytest plugin as a user meets it: small suites run by `pytester` in their own pytest processes, with
the plugin loaded from the package's entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mockserver.dialects import conversations
from mockserver.testing.handle import CONVERSATIONS

pytest_plugins = ["pytester"]
SUITE = Path(__file__).parent / "plugin_suite"
# This venv's heavy plugins (Schemathesis, Hypothesis) cost seconds per process and no user suite here needs them.
INI = """[pytest]
asyncio_default_fixture_loop_scope = function
addopts = -p no:cacheprovider -p no:schemathesis -p no:hypothesispytest -p no:anyio
"""
PASSED, FAILED = 10, 2


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
        "       this test's 'refunds': last user message 'hello' does not contains 'refund'",
    ], consecutive=False)
    result.stdout.fnmatch_lines([
        "*- mockserver journal -*",
        "No request of this test reached the mock. Requests belong to the test by the key "
        "sk-mock-test-test_fails_without_a_request-* or the header X-Test-Id: test_fails_without_a_request-*",
    ])
    assert result.stdout.str().count("- mockserver journal -") == FAILED


def test_a_users_suite_against_a_server_given_by_url(suite: pytest.Pytester, server) -> None:
    """Default replies, per-test scenarios that do not leak, SDK retries, env-built and async clients, marker
    files, streams and the report section, all against one server the suite did not start."""
    result = suite.runpytest_subprocess(f"--mockserver-url={server.url}")
    result.assert_outcomes(passed=PASSED, failed=FAILED)
    check_reports(result)
    journal = httpx.get(server.url + "/_mock/requests", params={"path": "/v1/chat/completions"}).json()["data"]
    ids = {e["test_id"] for e in journal if (e["test_id"] or "").startswith("test_a_scenario_for_this_test-")}
    assert len(ids) == 1


def test_the_same_suite_under_xdist(suite: pytest.Pytester) -> None:
    """Two workers, each with its own in-process server: the same outcomes and report sections."""
    result = suite.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=PASSED, failed=FAILED)
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
