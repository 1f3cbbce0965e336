"""What every family shares: creating a job from a request, ids, our own URLs, prompt texts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from ..core.context import RequestContext
from ..core.errors import MockError
from . import callbacks
from .clock import JobPlan, Tick, plan_from_request, strip_markers
from .store import Job, TaskStore

Render = Callable[[Job, Tick], Any]


def store(ctx: RequestContext) -> TaskStore:
    """The server's task store."""
    return ctx.services.tasks


async def path_job(ctx: RequestContext, family: str, missing: Exception) -> Job:
    """The job the path names (`{task_id}` or `{id}`), or the family's not-found error."""
    job = await store(ctx).get(ctx.path_params.get("task_id") or ctx.path_params.get("id") or "", family)
    if job is None:
        raise missing
    return job


def body(ctx: RequestContext) -> dict[str, Any]:
    """The JSON (or form) body as a dict, never None."""
    return ctx.body if isinstance(ctx.body, dict) else {}


def request_plan(ctx: RequestContext, texts: list[Any], param: str | None = None) -> JobPlan:
    """The job's plan: a scenario's `ctx.task_plan`, else headers and prompt markers."""
    given = ctx.task_plan
    if isinstance(given, dict):
        given = JobPlan(**given)
    if isinstance(given, JobPlan):
        return given
    try:
        return plan_from_request(ctx.headers, texts)
    except ValueError as exc:
        raise MockError(400, f"Invalid mock task control: {exc}", param=param) from None


async def create_job(ctx: RequestContext, *, family: str, kind: str, job_id: Callable[[bytes], str],
               params: dict[str, Any], texts: list[Any], render: Render | None = None,
               notify_url: str | None = None, parent_id: str | None = None, param: str | None = None) -> Job:
    """Create, store and (when it has a hook) watch a job."""
    tasks = store(ctx)
    plan = tasks.effective(request_plan(ctx, texts, param))
    material = await tasks.new_id(family, kind, ctx.fingerprint(ctx.operation.operation_id, parent_id))
    job = Job(id=job_id(material), family=family, kind=kind, submitted_at=time.time(), plan=plan,
              params=params, seed=material.hex()[:16], base_url=ctx.base_url,
              notify_url=notify_url or None, parent_id=parent_id, links=tasks.links(ctx.services.spec))
    await tasks.add(job)
    if job.notify_url and render is not None:
        callbacks.watch(tasks, job, render)
    return job


async def polled(ctx: RequestContext, job: Job, render: Render | None = None) -> Tick:
    """A fetch of `job`: moves poll-based jobs and sends any due callback."""
    state = await store(ctx).poll(job)
    if job.notify_url and render is not None:
        callbacks.notify_if_changed(store(ctx), job, state, render)
    return state


def clean(text: Any) -> str:
    """A prompt without mock markers (empty for non-strings)."""
    return strip_markers(text) if isinstance(text, str) else ""


def ms(epoch: float | None) -> int:
    """Epoch seconds as integer milliseconds (0 when unset)."""
    return int(epoch * 1000) if epoch else 0


def sec(epoch: float | None) -> int:
    """Epoch seconds as an integer (0 when unset)."""
    return int(epoch) if epoch else 0


def iso(epoch: float | None) -> str | None:
    """Epoch seconds as an ISO-8601 UTC timestamp with milliseconds."""
    if not epoch:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"


def link(job: Job, operation_id: str, query: dict[str, str] | None = None, **params: str) -> str:
    """The absolute URL of one of this server's operations for `job` (the path comes from the spec)."""
    path = job.links[operation_id]
    for name, value in params.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    return job.base_url + path + ("?" + urlencode(query) if query else "")
