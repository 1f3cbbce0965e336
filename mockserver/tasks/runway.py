"""Runway (official API shape): image-to-video tasks, polling, cancel / delete."""

from __future__ import annotations

from typing import Any

from ..core.answers import Answer

from ..media.assets import video_url
from ..core.context import RequestContext
from ..core.errors import MockError
from ..media import aspect_ratio_size
from ..core.answers import JsonAnswer, StreamAnswer
from .clock import Tick
from .common import path_job, body, clean, create_job, iso, polled, store
from .store import Job, as_uuid

FAMILY = "runway"
STATUS = {"submitted": "PENDING", "queued": "PENDING", "running": "RUNNING",
          "succeeded": "SUCCEEDED", "failed": "FAILED", "cancelled": "CANCELLED"}
DEFAULT_FAIL = "An unexpected error occurred."
DEFAULT_FAIL_CODE = "INTERNAL.BAD_OUTPUT.CODE01"


def not_found() -> MockError:
    """Runway's answer for an unknown task."""
    return MockError(404, "Task not found")


def task(job: Job, state: Tick) -> dict[str, Any]:
    """The task object."""
    out: dict[str, Any] = {"id": job.id, "status": STATUS[state.phase], "createdAt": iso(job.submitted_at)}
    if state.phase == "running":
        out["progress"] = round(state.progress, 2)
    elif state.phase == "succeeded":
        p = job.params
        out["output"] = [video_url(job.base_url, p["width"], p["height"], p["duration"], f"runway-{job.seed}")]
    elif state.phase == "failed":
        out["failure"] = job.plan.fail_reason or DEFAULT_FAIL
        out["failureCode"] = job.plan.fail_code or DEFAULT_FAIL_CODE
    return out


async def submit(ctx: RequestContext) -> Answer:
    """Create an image-to-video task; answers `{id}`."""
    data = body(ctx)
    w, h = aspect_ratio_size(data.get("ratio") or "1280:768")
    params = {"width": w, "height": h, "duration": float(data.get("duration") or 10),
              "prompt": clean(data.get("promptText")), "model": data.get("model") or "gen4_turbo"}
    job = await create_job(ctx, family=FAMILY, kind="IMAGE2VIDEO", job_id=as_uuid, params=params,
                     texts=[data.get("promptText")], param="promptText")
    return JsonAnswer({"id": job.id})


async def fetch(ctx: RequestContext) -> Answer:
    """A task by id."""
    job = await path_job(ctx, FAMILY, not_found())
    return JsonAnswer(task(job, await polled(ctx, job)))


async def action(ctx: RequestContext) -> Answer:
    """DELETE: cancel a running task, delete a finished one; 204 either way."""
    tasks = store(ctx)
    job = await tasks.get(ctx.path_params.get("id", ""), FAMILY)
    if job is None:
        raise not_found()
    if tasks.tick(job).done:
        await tasks.delete(job.id)
    else:
        await tasks.cancel(job)
    return Answer(status_code=204)


status_body = task  # the body a poll answers, for the dashboard's job list
