"""`mockserver contract` end to end: the real command against a drifted gateway, the budget, the rate, the key.

The mock itself must pass the same command clean: `tests/test_contract.py`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from drifted_gateway import Gateway, serve
from mockserver.contract.command import parse_rate
from mockserver.contract.runner import Meter, retry_after

SECRET = "sk-live-0123456789abcdef"
DRIFTED = ["createChatCompletion", "createMessage", "createResponse", "createEmbedding", "klingCreateText2Video",
           "countMessageTokens"]


def contract(*args: str, key: str | None = None) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it."""
    env = {k: v for k, v in os.environ.items() if k != "MOCKSERVER_CONTRACT_KEY"}
    if key is not None:
        env["MOCKSERVER_CONTRACT_KEY"] = key
    command = [str(Path(sys.executable).with_name("mockserver")), "contract", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[str, Gateway]]:
    drifted = Gateway()
    url, stop = serve(drifted.app())
    yield url, drifted
    stop()


@pytest.fixture(scope="module")
def drift_run(gateway, tmp_path_factory) -> tuple[subprocess.CompletedProcess, ET.Element, Gateway]:
    """One run over the drifted operations (key from the environment), with its JUnit report."""
    url, drifted = gateway
    junit = tmp_path_factory.mktemp("junit") / "contract.xml"
    operations = [arg for op in DRIFTED for arg in ("--operation", op)]
    result = contract(url, *operations, "--max-examples", "1", "--no-negative", "--junit", str(junit), key=SECRET)
    return result, ET.parse(junit).getroot(), drifted


def section(output: str, operation_id: str) -> str:
    """The failure details printed for one operation."""
    start = output.index(f"FAILED: {operation_id} ")
    end = output.find("\nFAILED: ", start + 1)
    return output[start:end if end != -1 else None]


def junit_failures(root: ET.Element) -> dict[tuple[str, str], str]:
    return {(case.get("classname"), case.get("name")): case.find("failure").text
            for case in root.iter("testcase") if case.find("failure") is not None}


def finding(output: str, operation_id: str, header: str) -> tuple[str, str]:
    """The expected and got lines under a finding's header (`check: where`, maybe `(N times)`)."""
    lines = section(output, operation_id).splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().split(" (")[0] == header
              or line.strip() == header or line.strip().startswith(header + " ("))
    return lines[at + 1].split("expected: ", 1)[1], lines[at + 2].split("got:", 1)[1].strip()


def test_each_drift_is_reported_against_its_operation(drift_run) -> None:
    result, _, _ = drift_run
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert finding(out, "createChatCompletion", "response_body_conformance: created") == (
        "integer", 'string "yesterday"')
    assert finding(out, "createChatCompletion", "stream_grammar_conformance: end of stream") == (
        "data: [DONE] as the last event", "the body ended after 2 event(s), the last data")
    assert finding(out, "createMessage", "response_body_conformance: usage") == (
        "a value (the field is required)", "no such field")
    assert finding(out, "createMessage", "stream_grammar_conformance: event 2 (content_block_delta): event") == (
        "content_block_start before a block's deltas and stop", "content_block_delta")
    assert finding(out, "createResponse",
                   "stream_grammar_conformance: event 3 (response.completed): data.sequence_number") == (
        "a number greater than 1 (the previous event's)", "1")
    assert finding(out, "createEmbedding", "error_envelope_conformance: error") == (
        "a value (the field is required)", "no such field")
    assert finding(out, "klingCreateText2Video", "job_lifecycle: poll 1: data.task_status") == (
        "one of submitted, processing, succeed, failed", '"rendering"')
    assert finding(out, "klingGetText2Video", "response_body_conformance: data.task_status")[1] == '"rendering"'


def test_failures_carry_a_curl_that_reproduces_them(drift_run, gateway) -> None:
    result, _, _ = drift_run
    url, _ = gateway
    chat = section(result.stdout, "createChatCompletion")
    reproduce = next(line for line in chat.splitlines() if "reproduce:" in line and '"stream": true' in line)
    assert '-H "Authorization: Bearer $MOCKSERVER_CONTRACT_KEY"' in reproduce
    assert f"{url}/v1/chat/completions" in reproduce


def test_the_junit_report_has_a_case_per_operation_and_check(drift_run) -> None:
    _, root, _ = drift_run
    failures = junit_failures(root)
    assert {("createChatCompletion", "stream_grammar_conformance"),
            ("createChatCompletion", "response_body_conformance"),
            ("createMessage", "stream_grammar_conformance"), ("createMessage", "response_body_conformance"),
            ("createResponse", "stream_grammar_conformance"), ("createEmbedding", "error_envelope_conformance"),
            ("klingCreateText2Video", "job_lifecycle")} <= set(failures)
    assert "data: [DONE] as the last event" in failures[("createChatCompletion", "stream_grammar_conformance")]
    assert "reproduce: curl" in failures[("createMessage", "response_body_conformance")]
    names = {(case.get("classname"), case.get("name")) for case in root.iter("testcase")}
    assert ("countMessageTokens", "status_code_conformance") in names
    suite = root.find("testsuite")
    assert int(suite.get("failures")) == len(failures) and int(suite.get("tests")) == len(names)


def test_a_429_that_says_when_to_retry_is_waited_out(drift_run) -> None:
    result, root, drifted = drift_run
    assert drifted.hits["/v1/messages/count_tokens"] >= 2
    assert "countMessageTokens" not in junit_failures_ops(root)
    assert "FAILED: countMessageTokens" not in result.stdout


def junit_failures_ops(root: ET.Element) -> set[str]:
    return {op for op, _ in junit_failures(root)}


def test_the_key_never_shows(drift_run) -> None:
    result, root, drifted = drift_run
    assert f"Bearer {SECRET}" in drifted.keys  # it was sent (from the environment) ...
    report = ET.tostring(root, encoding="unicode")
    for text in (result.stdout, result.stderr, report):  # ... and shown nowhere, not even where the gateway echoed it
        assert SECRET not in text
    assert "Bad request for key $MOCKSERVER_CONTRACT_KEY" in result.stdout


def test_a_key_given_with_h_is_redacted_too(gateway) -> None:
    url, drifted = gateway
    result = contract(url, "--operation", "createEmbedding", "--max-examples", "1", "--no-negative",
                      "-H", f"Authorization: Bearer {SECRET}")
    assert result.returncode == 1
    assert SECRET not in result.stdout + result.stderr
    assert '"Authorization: Bearer $MOCKSERVER_CONTRACT_KEY"' in result.stdout


def test_the_budget_caps_the_requests_sent(gateway) -> None:
    url, drifted = gateway
    before = drifted.requests
    result = contract(url, "--operation", "createChatCompletion", "--operation", "createMessage", "--budget", "3",
                      "--rate", "600/m")
    assert "plan: at most 3 request(s)" in result.stdout
    assert "budget 3, at most 10 request(s)/s" in result.stdout and "the budget leaves out" in result.stdout
    assert drifted.requests - before == 3
    assert "3 request(s) sent" in result.stdout


def test_a_remote_gateway_gets_a_small_default_budget_shown_before_the_run() -> None:
    result = contract("https://gateway.invalid", "--dry-run", "--operation", "listModels", "--operation",
                      "createEmbedding")
    assert result.returncode == 0, result.stderr
    plan = next(line for line in result.stdout.splitlines() if line.startswith("plan: "))
    assert plan.startswith("plan: at most ") and ", budget 100:" in plan
    assert "  createEmbedding" in result.stdout and "  listModels" in result.stdout  # by operation
    local = contract("http://127.0.0.1:9", "--dry-run", "--operation", "createEmbedding")
    assert "no budget" in local.stdout


def test_the_rate_paces_every_request() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    meter = Meter(budget=None, rate=parse_rate("4/s"), clock=lambda: clock[0], sleep=sleep)
    for _ in range(5):
        meter.take()
    assert meter.sent == 5 and slept == [0.25] * 4
    assert parse_rate("120/m") == 2.0 and parse_rate("3") == 3.0


def test_retry_after_forms() -> None:
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"Retry-After": "2"}) == 2.0
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after({}) is None


@pytest.mark.parametrize(("args", "message"), [
    (["http://127.0.0.1:9"], "cannot reach http://127.0.0.1:9"),
    (["ftp://example.com"], "BASE_URL must be an http:// or https:// URL"),
    (["http://127.0.0.1:9", "-H", "no colon"], "-H takes 'Name: value'"),
    (["http://127.0.0.1:9", "--rate", "fast"], "--rate takes R/s"),
])
def test_usage_errors_exit_2_with_a_message(args: list[str], message: str) -> None:
    result = contract(*args, "--operation", "createEmbedding") if "--operation" not in args else contract(*args)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr


def test_an_unknown_operation_is_a_usage_error(gateway) -> None:
    url, _ = gateway
    result = contract(url, "--operation", "noSuchThing")
    assert result.returncode == 2
    assert "no operation noSuchThing" in result.stderr


def test_a_spec_that_cannot_be_used_is_a_usage_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: x}\npaths: {}\n")
    result = contract("http://127.0.0.1:9", "--spec", str(broken), "--dry-run")
    assert result.returncode == 2
    assert "is not valid OpenAPI" in result.stderr and "version" in result.stderr


def test_a_request_schema_the_generator_cannot_handle_is_an_error(tmp_path: Path, gateway) -> None:
    url, _ = gateway
    spec = tmp_path / "impossible.yaml"
    spec.write_text("""openapi: 3.1.0
info: {title: impossible, version: '1'}
paths:
  /v1/embeddings:
    post:
      operationId: impossible
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [n], properties: {n: {type: integer, minimum: 5, maximum: 1}}}
      responses:
        '400': {description: refused}
""")
    result = contract(url, "--spec", str(spec), "--max-examples", "1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ERROR: impossible" in result.stdout
    assert "request_generation: could not check: cannot generate valid requests" in result.stdout
