"""`notifyHook` / `callback_url`: POST the family's body when a job changes phase, in the background."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from .clock import Tick, next_change

if TYPE_CHECKING:
    from .store import Job, TaskStore

log = logging.getLogger("mockserver.tasks")
TIMEOUT = httpx.Timeout(3.0, connect=2.0)
MAX_SLEEP = 1.0
_running: set[asyncio.Task] = set()
_last_post: dict[str, asyncio.Task] = {}  # per job: the post the next one waits for
_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]" = weakref.WeakKeyDictionary()  # strong references, so pending posts are not collected


def notify_if_changed(job: "Job", state: Tick, render: Callable[["Job", Tick], Any]) -> None:
    """Post (in the background) the job's body to its hook if its phase changed since the last post."""
    post = _due(job, state, render)
    if post is not None:
        _spawn(_after(_last_post.get(job.id), post), job.id)


async def _after(previous: "asyncio.Task | None", post: Any) -> None:
    """Post once the job's previous post is done, so a hook sees its statuses in order."""
    if previous is not None:
        await asyncio.wait([previous])
    await post


def _due(job: "Job", state: Tick, render: Callable[["Job", Tick], Any]) -> Any:
    if not job.notify_url or job.notified == state.phase:
        return None
    job.notified = state.phase
    payload = render(job, state)
    if payload == job.extra.get("notified_body"):  # two of our phases can be one family status
        return None
    job.extra["notified_body"] = payload
    return _post(job.notify_url, payload, job.id)


def watch(tasks: "TaskStore", job: "Job", render: Callable[["Job", Tick], Any]) -> None:
    """Follow a time-based job until it ends, posting at each phase change (poll-based jobs post on polls)."""
    _spawn(_follow(tasks, job, render))


async def _follow(tasks: "TaskStore", job: "Job", render: Callable[["Job", Tick], Any]) -> None:
    at = time.time()
    try:
        while True:
            state = tasks.tick(job, now=at)  # the job as it was at `at`: late wake-ups skip no status
            post = _due(job, state, render)
            if post is not None:
                await post  # in order: a hook sees submitted, then running, then the end
            if state.done or await tasks.get(job.id) is not job:
                return
            wait = next_change(job.plan, job.submitted_at, at)
            if wait is None:
                return  # poll-based: fetches drive the posts
            at += wait + 0.001
            while (delay := at - time.time()) > 0:
                await asyncio.sleep(min(MAX_SLEEP, delay))
    except Exception:  # a hook must never take the server down
        log.exception("task %s: following the job for callbacks failed", job.id)


async def _post(url: str, payload: Any, job_id: str) -> None:
    try:
        response = await _client().post(url, json=payload)
        if response.status_code >= 400:
            log.warning("task %s: callback %s answered %d", job_id, url, response.status_code)
    except Exception as exc:  # unreachable hooks are the client's business: log and go on
        log.warning("task %s: callback to %s failed: %s", job_id, url, exc)


def _client() -> httpx.AsyncClient:
    """One client per event loop (building one per post is slow: it loads the TLS context each time)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        client = _clients[loop] = httpx.AsyncClient(timeout=TIMEOUT)
    return client


def _spawn(coro: Any, job_id: str | None = None) -> None:
    try:
        task = asyncio.get_running_loop().create_task(coro)
    except RuntimeError:  # no loop (called from sync code): nothing to schedule on
        coro.close()
        return
    _running.add(task)
    task.add_done_callback(_running.discard)
    if job_id is not None:
        _last_post[job_id] = task
        task.add_done_callback(lambda done: _last_post.get(job_id) is done and _last_post.pop(job_id, None))
