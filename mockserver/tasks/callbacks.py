"""`notifyHook` / `callback_url`: POST the family's body when a job changes phase, in the background."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from ..core.errors import MockError
from .clock import Tick, next_change

if TYPE_CHECKING:
    from .store import Job, TaskStore

log = logging.getLogger("mockserver.tasks")
TIMEOUT = httpx.Timeout(3.0, connect=2.0)
MAX_SLEEP = 1.0
_running: set[asyncio.Task] = set()
_last_post: dict[str, asyncio.Task] = {}  # per job: the post the next one waits for
_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]" = weakref.WeakKeyDictionary()  # strong references, so pending posts are not collected


def notify_if_changed(tasks: "TaskStore", job: "Job", state: Tick, render: Callable[["Job", Tick], Any]) -> None:
    """Post (in the background) the job's body to its hook if its phase changed since the last post."""
    if job.notify_url and job.notified != state.phase:
        _chain(job.id, _announce(tasks, job, state.phase, render(job, state)))


def _chain(job_id: str, announce: Any) -> "asyncio.Task | None":
    """Run `announce` once the job's previous one is done, so a hook sees its statuses in order."""
    return _spawn(_after(_last_post.get(job_id), announce), job_id)


async def _after(previous: "asyncio.Task | None", announce: Any) -> None:
    if previous is not None:
        await asyncio.wait([previous])
    await announce


async def _announce(tasks: "TaskStore", job: "Job", phase: str, payload: Any) -> None:
    """Post `payload` unless someone (in any process sharing the jobs) announced this phase or body already."""
    try:
        claimed = await tasks.table.claim(job, phase, payload)  # two of our phases can be one family status
    except MockError as exc:  # the shared state is away: this status goes unannounced
        log.warning("task %s: callback for %s skipped: %s", job.id, phase, exc.message)
        return
    if claimed:
        await _post(job.notify_url, payload, job.id)


def watch(tasks: "TaskStore", job: "Job", render: Callable[["Job", Tick], Any]) -> None:
    """Follow a time-based job until it ends, posting at each phase change (poll-based jobs post on polls)."""
    _spawn(_follow(tasks, job, render))


async def _follow(tasks: "TaskStore", job: "Job", render: Callable[["Job", Tick], Any]) -> None:
    at = time.time()
    try:
        while True:
            state = tasks.tick(job, now=at)  # the job as it was at `at`: late wake-ups skip no status
            if job.notified != state.phase:
                announced = _chain(job.id, _announce(tasks, job, state.phase, render(job, state)))
                if announced is not None:
                    await asyncio.wait([announced])  # in order: submitted, then running, then the end
            current = None if state.done else await tasks.get(job.id)
            if current is None:
                return
            job = current  # a shared store hands out copies: follow what others changed (a restart too)
            wait = next_change(job.plan, job.submitted_at, at)
            if wait is None:
                return  # poll-based: fetches drive the posts
            at += wait + 0.001
            while (delay := at - time.time()) > 0:
                await asyncio.sleep(min(MAX_SLEEP, delay))
    except MockError as exc:
        log.warning("task %s: stopped following the job for callbacks: %s", job.id, exc.message)
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


def _spawn(coro: Any, job_id: str | None = None) -> "asyncio.Task | None":
    try:
        task = asyncio.get_running_loop().create_task(coro)
    except RuntimeError:  # no loop (called from sync code): nothing to schedule on
        coro.close()
        return None
    _running.add(task)
    task.add_done_callback(_running.discard)
    if job_id is not None:
        _last_post[job_id] = task
        task.add_done_callback(lambda done: _last_post.get(job_id) is done and _last_post.pop(job_id, None))
    return task
