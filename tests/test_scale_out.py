"""Scale out: two instances and one `--workers 2` instance sharing a real redis-server, as a CI fleet runs them.

Every instance is a real `mockserver serve --state redis://...` process on its own port; the SDKs and httpx
talk to them as users do. A request to one instance and the next to another must behave as one server.
"""

from __future__ import annotations

import itertools
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from conftest import eventually, start_server
from redis_support import BINARY, MockProcess, RedisServer, free_port

pytestmark = pytest.mark.skipif(BINARY is None, reason="redis-server is not installed (make test installs Debian's "
                                                       "redis-server package)")
KEY = {"Authorization": "Bearer sk-fleet"}
CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello fleet"}]}


@dataclass
class Fleet:
    """Instances A and B and the two-worker instance W, on one Redis."""

    redis: RedisServer
    a: MockProcess
    b: MockProcess
    w: MockProcess

    @property
    def all(self) -> list[MockProcess]:
        return [self.a, self.b, self.w]

    def client(self, instance: MockProcess) -> httpx.Client:
        """A new client (a new connection, so W's requests spread over its workers)."""
        return httpx.Client(base_url=instance.url, headers=KEY, timeout=30)

    def send(self, instance: MockProcess, method: str, path: str, **kwargs: object) -> httpx.Response:
        """One request on a fresh connection."""
        with self.client(instance) as client:
            return client.request(method, path, **kwargs)


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    """Redis, then A, B (one process each) and W (`--workers 2`), all with `--state` on that Redis."""
    redis = RedisServer().start()
    directory = Path(tempfile.mkdtemp(prefix="fleet-"))
    instances = [MockProcess("--state", redis.url(), directory=directory),
                 MockProcess("--state", redis.url(), directory=directory),
                 MockProcess("--state", redis.url(), "--workers", "2", directory=directory)]
    try:
        for instance in instances:
            instance.start()
        for instance in instances:
            instance.wait()
        yield Fleet(redis, *instances)
    finally:
        for instance in instances:
            instance.stop()
        redis.close()


@pytest.fixture
def scenario(fleet: Fleet) -> Iterator[Callable[[str], str]]:
    """Add a scenario (YAML) through instance A; removed again after the test. Returns its name."""
    names: list[str] = []

    def add(yaml_text: str) -> str:
        name = f"fleet-{uuid.uuid4().hex[:8]}"
        response = fleet.send(fleet.a, "POST", "/_mock/scenarios", content=f"name: {name}\n{yaml_text}",
                              headers={"content-type": "application/yaml"})
        assert response.status_code == 201, response.text
        names.append(name)
        return name

    yield add
    for name in names:
        fleet.send(fleet.b, "DELETE", f"/_mock/scenarios/{name}")


def sdk(instance: MockProcess) -> openai.OpenAI:
    return openai.OpenAI(base_url=instance.url + "/v1", api_key="sk-fleet", max_retries=0)


def test_the_two_worker_instance_answers_from_two_processes(fleet: Fleet) -> None:
    def both_seen() -> bool:
        fleet.w.pids.add(fleet.send(fleet.w, "GET", "/_mock/health").json()["pid"])
        return len(fleet.w.pids) >= 2

    assert eventually(both_seen, timeout=30)
    health = fleet.send(fleet.w, "GET", "/_mock/health").json()
    assert health["state"].startswith("redis (") and fleet.redis.url() in health["state"]


def test_a_responses_chain_continues_on_every_instance(fleet: Fleet) -> None:
    first = sdk(fleet.a).responses.create(model="gpt-4o", input="My name is Ada.")
    second = sdk(fleet.w).responses.create(model="gpt-4o", input="What is my name?", previous_response_id=first.id)
    third = sdk(fleet.b).responses.create(model="gpt-4o", input="And again?", previous_response_id=second.id)
    assert third.previous_response_id == second.id and second.previous_response_id == first.id
    assert third.usage.input_tokens > second.usage.input_tokens > first.usage.input_tokens  # the context grew
    items = sdk(fleet.b).responses.input_items.list(second.id)
    assert [item.content[0].text for item in items.data] == ["What is my name?"]
    assert sdk(fleet.a).responses.retrieve(third.id).output_text == third.output_text
    sdk(fleet.w).responses.delete(first.id)
    with pytest.raises(openai.BadRequestError, match="not found"):
        sdk(fleet.b).responses.create(model="gpt-4o", input="x", previous_response_id=first.id)


def test_an_mj_job_submitted_on_one_instance_is_polled_to_the_end_on_the_others(fleet: Fleet) -> None:
    submitted = fleet.send(fleet.a, "POST", "/mj/submit/imagine", json={"prompt": "a lighthouse"},
                           headers={"X-Mock-Task-Polls": "4"}).json()
    assert submitted["code"] == 1
    task_id = submitted["result"]
    polls = itertools.cycle([fleet.b, fleet.w, fleet.a])
    seen = [fleet.send(next(polls), "GET", f"/mj/task/{task_id}/fetch").json() for _ in range(6)]
    assert [t["status"] for t in seen] == ["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "SUCCESS", "SUCCESS",
                                           "SUCCESS"]  # one step per poll, whichever process was polled
    progress = [int(t["progress"].rstrip("%")) for t in seen[:3]]
    assert progress == sorted(progress) and len(set(progress)) == 3
    assert len({t["startTime"] for t in seen}) == 1 and len({t["finishTime"] for t in seen[3:]}) == 1
    image = httpx.get(seen[-1]["imageUrl"], timeout=30)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    upscale = fleet.send(fleet.b, "POST", "/mj/submit/action",
                         json={"taskId": task_id, "customId": seen[-1]["buttons"][0]["customId"]}).json()
    assert upscale["code"] == 1 and fleet.send(fleet.w, "GET", f"/mj/task/{upscale['result']}/fetch").status_code == 200


def test_a_sequence_advances_across_instances(fleet: Fleet, scenario: Callable[[str], str]) -> None:
    name = scenario("""match: {operation: createChatCompletion, message: "sequence across"}
sequence:
  - fault: {status: 429, retry_after_ms: 1}
  - reply: {text: "second step"}
  - reply: {text: "third step"}
""")
    messages = [{"role": "user", "content": "sequence across the fleet"}]
    headers = {"X-Test-Id": name}
    with pytest.raises(openai.RateLimitError):
        sdk(fleet.b).chat.completions.create(model="gpt-4o", messages=messages, extra_headers=headers)
    second = sdk(fleet.w).chat.completions.create(model="gpt-4o", messages=messages, extra_headers=headers)
    third = sdk(fleet.a).chat.completions.create(model="gpt-4o", messages=messages, extra_headers=headers)
    assert (second.choices[0].message.content, third.choices[0].message.content) == ("second step", "third step")
    assert fleet.send(fleet.b, "GET", "/_mock/state").json()["positions"][name] == {name: 3}
    assert fleet.send(fleet.w, "PUT", "/_mock/state", json={"scenario": name, "key": name, "position": 1}).is_success
    again = sdk(fleet.b).chat.completions.create(model="gpt-4o", messages=messages, extra_headers=headers)
    assert again.choices[0].message.content == "second step"


def test_a_scenario_added_on_one_instance_answers_at_once_on_every_process(fleet: Fleet,
                                                                           scenario: Callable[[str], str]) -> None:
    name = scenario('match: {operation: createChatCompletion, message: "added just now"}\nreply: {text: "from the '
                    'new scenario"}\n')
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "added just now?"}]}
    for instance in [fleet.b, fleet.w, fleet.w, fleet.w, fleet.w, fleet.a]:  # no waiting: the POST returned after all
        answer = fleet.send(instance, "POST", "/v1/chat/completions", json=body).json()
        assert answer["choices"][0]["message"]["content"] == "from the new scenario", instance.url
    assert fleet.send(fleet.w, "DELETE", f"/_mock/scenarios/{name}").json() == {"deleted": name}
    for instance in [fleet.a, fleet.b, fleet.w, fleet.w]:
        answer = fleet.send(instance, "POST", "/v1/chat/completions", json=body).json()
        assert answer["choices"][0]["message"]["content"] != "from the new scenario"
        assert fleet.send(instance, "GET", f"/_mock/scenarios/{name}").status_code == 404


def test_a_rate_limit_is_one_limit_for_the_whole_fleet(fleet: Fleet, scenario: Callable[[str], str]) -> None:
    name = scenario('match: {operation: createChatCompletion, message: "rate limited fleet"}\n'
                    "rate_limit: {requests_per_minute: 10, key: global}\n")
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "rate limited fleet"}]}
    targets = [fleet.all[i % 3] for i in range(30)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda t: fleet.send(t, "POST", "/v1/chat/completions", json=body), targets))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [429] * 20
    limited = next(r for r in responses if r.status_code == 429)
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"
    assert limited.headers["x-ratelimit-limit-requests"] == "10" and int(limited.headers["retry-after"]) >= 1
    assert {r.headers["x-ratelimit-remaining-requests"] for r in responses if r.status_code == 200} == {
        str(n) for n in range(10)}, name


def test_the_journal_of_every_instance_is_seen_from_each(fleet: Fleet) -> None:
    test_id = f"journal-{uuid.uuid4().hex[:8]}"
    for instance in fleet.all:
        response = fleet.send(instance, "POST", "/v1/chat/completions", json=CHAT, headers={"X-Test-Id": test_id})
        assert response.status_code == 200
    for instance in fleet.all:
        found = eventually(lambda: len(fleet.send(instance, "GET", "/_mock/requests",
                                                  params={"test_id": test_id}).json()["data"]) == 3)
        assert found, instance.url
        entries = fleet.send(instance, "GET", "/_mock/requests", params={"test_id": test_id}).json()["data"]
        assert len({e["id"] for e in entries}) == 3 and entries == sorted(entries, key=lambda e: e["id"])
        assert {e["headers"]["host"] for e in entries} == {f"127.0.0.1:{i.port}" for i in fleet.all}
        assert all(e["headers"]["authorization"] == "Bearer sk-…" for e in entries)
        assert all(e["nearest_scenarios"] and "passed" in e["nearest_scenarios"][0] for e in entries)


# ------------------------------------------------------------------ the store lost and found


def test_redis_lost_mid_run_gives_503s_where_state_is_needed_and_recovers_without_a_restart() -> None:
    redis = RedisServer().start()
    server, stop = start_server(state=redis.url())
    client = openai.OpenAI(base_url=server.v1, api_key="sk-outage", max_retries=0)
    test_id = {"X-Test-Id": f"outage-{uuid.uuid4().hex[:8]}"}
    try:
        before = client.responses.create(model="gpt-4o", input="remember me", extra_headers=test_id)
        redis.stop()
        chat = client.chat.completions.create(model="gpt-4o", messages=CHAT["messages"], extra_headers=test_id)
        assert chat.choices[0].message.content  # stateless: still answered
        with pytest.raises(openai.InternalServerError) as lost:
            client.responses.create(model="gpt-4o", input="next", previous_response_id=before.id,
                                    extra_headers=test_id)
        assert lost.value.status_code == 503 and lost.value.body["code"] == "state_unavailable"
        assert lost.value.response.headers["retry-after"] == "1"
        mj = httpx.post(server.url + "/mj/submit/imagine", json={"prompt": "x"}, headers={**KEY, **test_id})
        assert mj.status_code == 503 and "unavailable" in mj.text
        journal = httpx.get(server.url + "/_mock/requests")
        assert journal.status_code == 503 and journal.json()["error"]["code"] == "state_unavailable"

        redis.start()  # same port, data gone (like a crashed Redis without persistence)
        after = eventually(lambda: _created(client, test_id))
        assert after and after.status == "completed"
        entries = eventually(lambda: httpx.get(server.url + "/_mock/requests",
                                               params={"test_id": test_id["X-Test-Id"]}).json()["data"])
        statuses = [(e["path"], e["status"]) for e in entries]
        assert ("/v1/chat/completions", 200) in statuses and ("/v1/responses", 503) in statuses  # kept meanwhile
    finally:
        stop()
        redis.close()


def _created(client: openai.OpenAI, headers: dict[str, str]) -> openai.types.responses.Response | None:
    try:
        return client.responses.create(model="gpt-4o", input="back again", extra_headers=headers)
    except openai.InternalServerError:
        return None


def test_serve_refuses_workers_without_a_shared_state_and_an_unreachable_redis(tmp_path: Path) -> None:
    import subprocess
    import sys

    run = lambda *args: subprocess.run([sys.executable, "-m", "mockserver", "serve", *args],  # noqa: E731
                                       capture_output=True, text=True, timeout=60, cwd=tmp_path,
                                       env={"PATH": "/usr/bin:/bin"})
    for refused in (run("--workers", "2"), run("--workers", "2", "--state", "memory")):
        assert refused.returncode == 1
        assert "--workers 2 needs --state redis://" in refused.stderr
        assert "stored Responses" in refused.stderr and "task jobs" in refused.stderr and "journal" in refused.stderr
    port = free_port()
    unreachable = run("--state", f"redis://127.0.0.1:{port}/0")
    assert unreachable.returncode == 1
    assert f"cannot reach Redis at redis://127.0.0.1:{port}/0" in unreachable.stderr
    wrong = run("--state", "postgres://x")
    assert wrong.returncode == 1 and "expected memory or a redis://" in wrong.stderr
