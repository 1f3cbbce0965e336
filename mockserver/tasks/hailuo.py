"""Hailuo (MiniMax): submit a video, query it, retrieve its file record."""

from __future__ import annotations

from typing import Any

from ..core.answers import Answer

from ..media.assets import video_url
from ..core.context import RequestContext
from ..core.errors import MockError
from ..core.answers import JsonAnswer, StreamAnswer
from .clock import Tick
from .common import body, clean, create_job, polled, sec, store
from .store import Job, as_digits, derived

FAMILY = "hailuo"
STATUS = {"submitted": "Preparing", "queued": "Queueing", "running": "Processing",
          "succeeded": "Success", "failed": "Fail", "cancelled": "Fail"}
HEIGHTS = {"512P": 512, "720P": 720, "768P": 768, "1080P": 1080}
OK = {"status_code": 0, "status_msg": "success"}


def not_found(what: str) -> MockError:
    """MiniMax's answer for an unknown task or file (2013 invalid params)."""
    return MockError(404, f"invalid params, {what} not found")


def _file_id(job: Job) -> str:
    return as_digits(derived(job, "file"), 15, "2")


def query(job: Job, state: Tick) -> dict[str, Any]:
    """The query answer (and the callback body)."""
    done = state.phase == "succeeded"
    out = {"task_id": job.id, "status": STATUS[state.phase], "file_id": _file_id(job) if done else "",
           "video_width": job.params["width"] if done else 0, "video_height": job.params["height"] if done else 0,
           "base_resp": dict(OK)}
    if state.phase == "failed" and job.plan.fail_reason:
        out["base_resp"] = {"status_code": 0, "status_msg": job.plan.fail_reason}
    return out


async def submit(ctx: RequestContext) -> Answer:
    """Create a video task; answers `{task_id, base_resp}`."""
    data = body(ctx)
    resolution = str(data.get("resolution") or "768P").upper()
    height = HEIGHTS.get(resolution, 768)
    width = (height * 16 // 9 + 1) // 2 * 2
    duration = float(data.get("duration") or 6)
    if resolution == "1080P" and duration > 6:
        raise MockError(400, "invalid params, 1080P supports a duration of 6 seconds only", param="duration")
    job = await create_job(ctx, family=FAMILY, kind="GENERATE", job_id=lambda m: as_digits(m, 15, "1"),
                     params={"width": width, "height": height, "seconds": duration, "prompt": clean(data["prompt"])},
                     texts=[data.get("prompt")], render=query, notify_url=data.get("callback_url"), param="prompt")
    await store(ctx).alias("hailuo-file:" + _file_id(job), job.id)
    return JsonAnswer({"task_id": job.id, "base_resp": dict(OK)})


async def fetch(ctx: RequestContext) -> Answer:
    """Query a task (`?task_id=`) or retrieve a finished file (`?file_id=`)."""
    tasks = store(ctx)
    if ctx.operation.task["action"] == "FILE":
        file_id = ctx.query.get("file_id", "")
        job = await tasks.by_alias("hailuo-file:" + file_id, FAMILY)
        if job is None or tasks.tick(job).phase != "succeeded":
            raise not_found("file")
        p = job.params
        return JsonAnswer({"file": {
            "file_id": int(file_id), "bytes": int(p["width"] * p["height"] * p["seconds"] // 20),
            "created_at": sec(job.finished_at), "filename": "output.mp4", "purpose": "video_generation",
            "download_url": video_url(job.base_url, p["width"], p["height"], p["seconds"], f"hailuo-{job.seed}")},
            "base_resp": dict(OK)})
    job = await tasks.get(ctx.query.get("task_id", ""), FAMILY)
    if job is None:
        raise not_found("task")
    return JsonAnswer(query(job, await polled(ctx, job, query)))


status_body = query  # the body a poll answers, for the dashboard's job list


def assets(job: Job, state: Tick) -> list[tuple[str, str]]:
    """A finished video's download URL and kind (the query answer names only its file id)."""
    if state.phase != "succeeded":
        return []
    p = job.params
    return [(video_url(job.base_url, p["width"], p["height"], p["seconds"], f"hailuo-{job.seed}"), "video")]
