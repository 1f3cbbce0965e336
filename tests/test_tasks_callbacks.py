"""notifyHook / callback_url posts, concurrent polling, the store's bound and the scenario hook."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from conftest import eventually

from mockserver.tasks.clock import JobPlan
from mockserver.state.jobs import JobTable
from mockserver.tasks.store import Job, TaskStore


class Hook:
    """A loopback HTTP receiver that records the JSON bodies posted to it."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length") or 0)
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate, timeout: float = 5.0) -> list[dict]:
        """Wait until a received body satisfies `predicate`; all bodies so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(predicate(body) for body in self.received):
                return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"no matching callback; got {self.received}")


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook()
    yield receiver
    receiver.server.shutdown()


def test_kling_callback_follows_the_job_without_polling(http: httpx.Client, hook: Hook) -> None:
    http.post("/kling/v1/images/generations", headers={"X-Mock-Task-Duration-Ms": "1000"},
              json={"prompt": "a robot", "callback_url": hook.url})
    bodies = hook.wait_for(lambda b: b["task_status"] == "succeed")
    statuses = [b["task_status"] for b in bodies]
    assert statuses[0] == "submitted" and statuses[-1] == "succeed" and "processing" in statuses
    assert bodies[-1]["task_result"]["images"][0]["url"].startswith("http://127.0.0.1:")


def test_mj_notify_hook_receives_the_failure(http: httpx.Client, hook: Hook) -> None:
    http.post("/mj/submit/imagine", headers={"X-Mock-Task-Duration-Ms": "200", "X-Mock-Task-Fail": "at=50; reason=banned"},
              json={"prompt": "a fox", "notifyHook": hook.url})
    bodies = hook.wait_for(lambda b: b["status"] == "FAILURE")
    assert bodies[-1]["failReason"] == "banned" and bodies[-1]["progress"] == "50%"


def test_poll_based_jobs_post_on_polls(http: httpx.Client, hook: Hook) -> None:
    task_id = http.post("/suno/submit/lyrics", headers={"X-Mock-Task-Polls": "2"},
                        json={"prompt": "rain", "notify_hook": hook.url}).json()["data"]
    http.get(f"/suno/fetch/{task_id}")
    http.get(f"/suno/fetch/{task_id}")
    bodies = hook.wait_for(lambda b: b["status"] == "SUCCESS")
    assert bodies[-1]["task_id"] == task_id and bodies[-1]["data"]["text"]


def test_unreachable_hook_never_breaks_the_job(http: httpx.Client) -> None:
    created = http.post("/luma/generations", headers={"X-Mock-Task-Duration-Ms": "100"},
                        json={"user_prompt": "x", "notify_hook": "http://127.0.0.1:9/nowhere"}).json()
    assert eventually(lambda: http.get(f"/luma/generations/{created['id']}").json()["state"] == "completed")


def test_concurrent_polling_is_consistent(http: httpx.Client) -> None:
    task_id = http.post("/pika/generate", headers={"X-Mock-Task-Polls": "24"}, json={"promptText": "x"}).json()["id"]

    def fetch(_: int) -> int:
        return http.get(f"/pika/feed/{task_id}").json()["videos"][0]["progress"]

    with ThreadPoolExecutor(8) as pool:
        progress = list(pool.map(fetch, range(24)))
    assert len(progress) == 24 and progress.count(100) == 1  # each poll moved the job exactly one step
    final = http.get(f"/pika/feed/{task_id}").json()["videos"][0]
    assert final["status"] == "finished" and final["progress"] == 100


def test_a_scenario_plans_a_job_at_submit(http: httpx.Client) -> None:
    added = http.post("/_mock/scenarios", json={"name": "plan-lyrics", "task": {"polls": 1, "fail_at": 0,
                                                                                "fail_reason": "scripted"}})
    assert added.status_code == 201
    try:
        task_id = http.post("/suno/submit/lyrics", headers={"X-Mock-Scenario": "plan-lyrics"},
                            json={"prompt": "x"}).json()["data"]
        task = http.get(f"/suno/fetch/{task_id}").json()["data"]
        assert task["status"] == "FAILURE" and task["fail_reason"] == "scripted"
    finally:
        http.delete("/_mock/scenarios/plan-lyrics")


def test_store_is_bounded() -> None:
    table = JobTable(limit=3)
    tasks = TaskStore(table)

    async def fill() -> list[str]:
        for i in range(5):
            await tasks.add(Job(id=str(i), family="x", kind="k", submitted_at=0, plan=JobPlan(polls=1), params={},
                                seed="00", base_url=""))
        return [i for i in map(str, range(5)) if await tasks.get(i) is not None]

    assert asyncio.run(fill()) == ["2", "3", "4"] and len(table) == 3
