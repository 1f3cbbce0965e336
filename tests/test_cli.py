"""The command line as a user runs it: --version, -m, scenario directories, check, the request log."""

from __future__ import annotations

import re
import sys
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from cli_helpers import cli_server, run_cli
from mockserver.settings import shipped

AUTH = {"Authorization": "Bearer sk-test"}
SHIPPED_NAMES = {"weather", "math", "refusal", "overloaded", "mj-fail"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ", re.MULTILINE)


def chat(url: str, model: str = "gpt-4o", headers: dict | None = None, **kw) -> httpx.Response:
    return httpx.post(url + "/v1/chat/completions", json={"model": model, "messages": [{"role": "user", "content": "hi"}]},
                      headers={**AUTH, **(headers or {})}, timeout=10, **kw)


def scenario_names(url: str) -> set[str]:
    return {s["name"] for s in httpx.get(url + "/_mock/scenarios", timeout=10).json()["data"]}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_version_from_the_script_and_from_python_dash_m(tmp_path):
    expected = f"mockserver {version('mockserver')}"
    script = Path(sys.executable).with_name("mockserver")
    for command in ([str(script)], [sys.executable, "-m", "mockserver"]):
        result = run_cli("--version", cwd=tmp_path, command=command)
        assert result.returncode == 0 and result.stdout.strip() == expected, result


def test_help_names_the_repeatable_options(tmp_path):
    text = " ".join(run_cli("serve", "--help", cwd=tmp_path).stdout.split())
    assert "--no-default-scenarios" in text and "added to the shipped ones" in text and "--cors-origin" in text


def test_scenario_directories_add_to_the_shipped_ones_and_are_all_watched(tmp_path):
    write(tmp_path / "a" / "mine.yaml", "name: mine\nreply: {text: from a}\n")
    write(tmp_path / "a" / "refusal.yaml", "name: refusal\nreply: {text: my own refusal}\n")  # replaces the shipped one
    write(tmp_path / "b" / "other.yaml", "name: other\nreply: {text: from b}\n")
    with cli_server("--scenarios", "a", "--scenarios", "b", cwd=tmp_path) as server:
        startup = server.log()
        assert "a: mine, refusal" in startup and "b: other" in startup
        assert f"{shipped('scenarios')} (shipped): " in startup and "weather" in startup
        assert "shipped scenarios replaced by yours: refusal" in startup
        names = scenario_names(server.url)
        assert {"mine", "other", "refusal"} | SHIPPED_NAMES <= names
        assert chat(server.url, headers={"X-Mock-Scenario": "mine"}).json()["choices"][0]["message"]["content"] == "from a"
        assert chat(server.url, headers={"X-Mock-Scenario": "refusal"}).json()["choices"][0]["message"]["content"] \
            == "my own refusal"
        weather = chat(server.url, headers={"X-Mock-Scenario": "weather"}).json()["choices"][0]["message"]
        assert weather["tool_calls"][0]["function"]["name"] == "get_weather"

        write(tmp_path / "b" / "later.yaml", "name: later\nreply: {text: added while running}\n")
        poll_until(lambda: "later" in scenario_names(server.url))
        assert chat(server.url, headers={"X-Mock-Scenario": "later"}).json()["choices"][0]["message"]["content"] \
            == "added while running"
        (tmp_path / "a" / "mine.yaml").unlink()
        poll_until(lambda: "mine" not in scenario_names(server.url))


def poll_until(condition, timeout: float = 10) -> None:
    import time
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)


def test_no_default_scenarios_leaves_the_shipped_ones_out(tmp_path):
    write(tmp_path / "only" / "mine.yaml", "name: mine\nreply: {text: mine}\n")
    with cli_server("--no-default-scenarios", "--scenarios", "only", cwd=tmp_path) as server:
        assert scenario_names(server.url) == {"mine"}
        r = chat(server.url, headers={"X-Mock-Scenario": "weather"})
        assert r.status_code == 400 and "known: mine" in r.json()["error"]["message"]
        assert "(shipped)" not in server.log()


def test_a_directory_that_does_not_exist_stops_serve_and_fails_check(tmp_path):
    result = run_cli("serve", "--port", "1", "--scenarios", "nowhere", cwd=tmp_path)
    assert result.returncode == 1 and "nowhere: no such directory" in result.stderr
    result = run_cli("check", "--scenarios", "nowhere", cwd=tmp_path)
    assert result.returncode == 1 and "nowhere: no such directory" in result.stderr


def test_check_takes_several_directories_and_the_shipped_ones(tmp_path):
    write(tmp_path / "a" / "one.yaml", "name: one\nreply: {text: x}\n")
    write(tmp_path / "b" / "two.yaml", "name: two\nreply: {text: y}\n")
    result = run_cli("check", "--scenarios", "a", "--scenarios", "b", cwd=tmp_path)
    shipped_count = int(re.search(r"(\d+) loaded", run_cli("check", cwd=tmp_path).stdout).group(1))
    assert result.returncode == 0, result.stderr
    assert f"scenarios: a, b, {shipped('scenarios')}: {shipped_count + 2} loaded, 0 error(s)" in result.stdout
    result = run_cli("check", "--no-default-scenarios", "--scenarios", "a", cwd=tmp_path)
    assert "scenarios: a: 1 loaded, 0 error(s)" in result.stdout


def test_check_reports_each_error_once_in_file_order(tmp_path):
    write(tmp_path / "s" / "a.yaml", "name: a\n"
                                     "stream: {ttft_ms: -5}\n"
                                     "fault: {status: 200}\n"
                                     "reply: {text: 'hi {{body.x'}\n")
    write(tmp_path / "s" / "b.yaml", "- name: b\n"
                                     "  probability: often\n"
                                     "  sequence:\n"
                                     "    - reply: {text: '{{nope}}'}\n"
                                     "    - reply: {text: two}\n"
                                     "    - fault: {status: 503, retry_after: -1}\n"
                                     "- name: fine\n"
                                     "  reply: {text: fine}\n")
    write(tmp_path / "s" / "c.yaml", "- name: fine\n  reply: {text: again}\n")
    result = run_cli("check", "--no-default-scenarios", "--scenarios", "s", cwd=tmp_path)
    assert result.returncode == 1
    a, b, c = Path("s", "a.yaml"), Path("s", "b.yaml"), Path("s", "c.yaml")
    assert result.stderr.splitlines() == [
        f"{a}:2: scenario 'a'.stream.ttft_ms must be at least 0, not -5",
        f"{a}:3: scenario 'a'.fault.status must be an error status (400-599), not 200: for another answer use "
        "'raw' or 'reply'",
        f"{a}:4: scenario 'a'.reply.text: unclosed or malformed template '{{{{body.x' (a template is {{{{name}}}})",
        f"{b}:2: scenario 'b'.probability must be a number, not str",
        f"{b}:4: scenario 'b' sequence[0].reply.text: unknown template {{{{nope}}}} (known: model, last_user_message, "
        "message, system, header.<name>, body.<path>, scenario, count, base_url, lbraces)",
        f"{b}:6: scenario 'b' sequence[2].fault.retry_after must be at least 0, not -1",
        f"{c}:1: duplicate scenario name 'fine' (first defined at {b}:7)",
    ]
    assert "scenarios: s: 1 loaded, 7 error(s)" in result.stdout


def test_the_request_log_has_a_time_and_the_reason_of_an_error_and_no_key(tmp_path):
    with cli_server(cwd=tmp_path) as server:
        httpx.post(server.url + "/v1/chat/completions", json={"model": "gpt-4o", "messages": []}, timeout=10)
        assert chat(server.url, headers={"Authorization": "Bearer sk-very-secret-0123456789"}).status_code == 200
        httpx.post(server.url + "/v1beta/models/gemini-2.0-flash:generateContent?key=AIza-secret-query-key",
                   json={"contents": []}, timeout=10)
        log = server.wait_for_log("generateContent 400")
    lines = [line for line in log.splitlines() if "/v1" in line and "listening" not in line]
    assert len(lines) == 3 and all(TIMESTAMP.match(line) for line in lines), log
    assert re.search(r"POST /v1/chat/completions 401 error \d+\.\dms: You didn't provide an API key\. .{20,}\.\.\.$",
                     lines[0]), lines[0]
    assert re.search(r"POST /v1/chat/completions 200 chat:create \d+\.\dms$", lines[1]), lines[1]
    assert "generateContent 400 error" in lines[2] and "contents" in lines[2]
    assert "secret" not in log


def test_debug_log_explains_each_selection(tmp_path):
    write(tmp_path / "s" / "keyed.yaml", "name: keyed\nmatch: {model: keyed-*}\nkey: api_key\n"
                                         "sequence: [{reply: {text: one}}, {reply: {text: two}}]\n")
    with cli_server("--log-level", "debug", "--scenarios", "s", cwd=tmp_path) as server:
        chat(server.url, model="mock-refusal")
        chat(server.url, model="keyed-1", headers={"Authorization": "Bearer sk-debug-secret-42424242"})
        chat(server.url, model="gpt-4o")
        chat(server.url, model="gpt-4o", headers={"Prefer": "code=429"})
        httpx.get(server.url + "/v1/models", headers=AUTH, timeout=10)
        log = server.wait_for_log("GET /v1/models 200")
    assert "scenario 'refusal' chosen (model glob 'mock-refusal'); key '', step 0: scripted reply" in log
    assert "scenario 'keyed' chosen (model glob 'keyed-*'); key 'sk-…', step 0: scripted reply" in log
    assert "sk-debug" not in log
    plain = log.split("POST /v1/chat/completions 200 chat:create", 1)[1]
    assert re.search(r"\d+ scenario\(s\) could answer createChatCompletion; none matched", plain)
    assert "nearest '" in plain and "does not glob" in plain
    assert "handler chat:create of createChatCompletion" in plain
    assert "Prefer: code=429 (answered)" in log
    assert "POST /v1/chat/completions 429 prefer:429" in log


@pytest.mark.parametrize("allowed", [True, False], ids=["allowed origin", "other origin"])
def test_cors_origin_restricts_browsers(tmp_path, allowed):
    origin = "http://app.example:3000" if allowed else "http://evil.example"
    with cli_server("--cors-origin", "http://app.example:3000", "--cors-origin", "http://localhost:5173",
                    cwd=tmp_path) as server:
        assert "(CORS: http://app.example:3000, http://localhost:5173)" in server.log()
        r = httpx.options(server.url + "/v1/chat/completions", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"}, timeout=10)
        simple = chat(server.url, headers={"Origin": origin})
    if allowed:
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin
        assert simple.headers["access-control-allow-origin"] == origin
    else:
        assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
        assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers


def test_routes_into_a_pipe_that_closes_early_is_no_error(tmp_path):
    import subprocess

    process = subprocess.Popen([sys.executable, "-m", "mockserver", "routes"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first line, as with `| head -0`
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 0 and b"Traceback" not in errors and b"BrokenPipe" not in errors
