"""Veo through new-api's video routes: the unified `/v1/video/generations` and OpenAI-style `/v1/videos`."""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from ..core.answers import Answer

from ..media.assets import video_url
from ..core.context import RequestContext
from ..core.errors import MockError
from ..media import aspect_ratio_size, render_image, render_video
from ..core.answers import JsonAnswer, StreamAnswer
from .clock import AT_SUBMIT, Tick
from .common import body, clean, create_job, polled, sec, store
from .store import Job, as_text

FAMILY = "veo"
STATUS = {"submitted": "queued", "queued": "queued", "running": "in_progress",
          "succeeded": "completed", "failed": "failed", "cancelled": "failed"}
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DEFAULT_FAIL = "The prompt was blocked by the safety filter."
EXPIRES_AFTER = 24 * 3600
FPS = 24
MAX_SIDE = 4096
MAX_SECONDS = 60.0


def _generation_id(material: bytes) -> str:
    return "task_01" + as_text(material, 24, CROCKFORD)


def _video_id(material: bytes) -> str:
    return "video_" + material.hex()[:48]


def not_found(job_id: str) -> MockError:
    """OpenAI-shaped 404 for an unknown video or task (`code: null`, as OpenAI's 404s for an unknown object)."""
    return MockError(404, f"Video with id '{job_id}' not found.")


def _seconds(value: Any, default: float) -> float:
    try:
        seconds = float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        raise MockError(400, f"Invalid 'seconds': {value!r} is not a number of seconds.", param="seconds",
                        code="invalid_value") from None
    if not 0 < seconds <= MAX_SECONDS:
        raise MockError(400, f"Invalid 'seconds': must be above 0 and at most {MAX_SECONDS:g}.", param="seconds",
                        code="invalid_value")
    return seconds


def _wxh(size: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,5})x(\d{1,5})", size)
    w, h = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not (16 <= w <= MAX_SIDE and 16 <= h <= MAX_SIDE):
        raise MockError(400, f"Invalid 'size': {size!r} (expected WIDTHxHEIGHT, each 16-{MAX_SIDE}).",
                        param="size", code="invalid_value")
    return w, h


def _error(job: Job) -> dict[str, str]:
    return {"code": job.plan.fail_code or "content_policy_violation", "message": job.plan.fail_reason or DEFAULT_FAIL}


def generation(job: Job, state: Tick) -> dict[str, Any]:
    """The unified task object (`/v1/video/generations/{task_id}`)."""
    p = job.params
    out: dict[str, Any] = {"task_id": job.id, "status": STATUS[state.phase], "progress": state.percent}
    if state.phase == "succeeded":
        out.update(url=video_url(job.base_url, p["width"], p["height"], p["seconds"], f"veo-{job.seed}"),
                   format="mp4", metadata={"duration": p["seconds"], "fps": FPS, "width": p["width"],
                                           "height": p["height"], "seed": int(job.seed[:8], 16)})
    elif state.phase == "failed":
        out["error"] = _error(job)
    return out


def video(job: Job, state: Tick) -> dict[str, Any]:
    """The OpenAI video object (`/v1/videos/{video_id}`)."""
    p = job.params
    finished = sec(state.finished_at) if state.done else None
    return {"id": job.id, "object": "video", "model": p["model"], "status": STATUS[state.phase],
            "progress": state.percent if state.phase != "failed" else 0,
            "created_at": sec(job.submitted_at), "completed_at": finished,
            "expires_at": finished + EXPIRES_AFTER if finished and state.phase == "succeeded" else None,
            "prompt": p["prompt"], "seconds": f"{p['seconds']:g}", "size": f"{p['width']}x{p['height']}",
            "remixed_from_video_id": None, "error": _error(job) if state.phase == "failed" else None}


async def submit(ctx: RequestContext) -> Answer:
    """Create a unified generation task or an OpenAI-style video job."""
    data = body(ctx)
    if ctx.operation.operation_id == "veoCreateVideoGeneration":
        try:
            w, h = aspect_ratio_size(data.get("aspect_ratio") or "16:9", 1280)
        except ValueError as exc:
            raise MockError(400, str(exc), param="aspect_ratio", code="invalid_value") from None
        params = {"width": w, "height": h, "seconds": _seconds(data.get("duration"), 8.0)}
        kind, job_id, render = "GENERATION", _generation_id, generation
    else:
        w, h = _wxh(str(data.get("size") or "1280x720"))
        params = {"width": w, "height": h, "seconds": _seconds(data.get("seconds"), 8.0)}
        kind, job_id, render = "VIDEO", _video_id, video
    params.update(prompt=clean(data["prompt"]), model=data["model"])
    job = await create_job(ctx, family=FAMILY, kind=kind, job_id=job_id, params=params, texts=[data.get("prompt")],
                     param="prompt")
    if kind == "GENERATION":
        return JsonAnswer({"task_id": job.id, "status": "queued"})
    return JsonAnswer(render(job, AT_SUBMIT))


async def _job(ctx: RequestContext, kind: str) -> Job:
    job_id = ctx.path_params.get("task_id") or ctx.path_params.get("video_id", "")
    job = await store(ctx).get(job_id, FAMILY)
    if job is None or job.kind != kind:
        raise not_found(job_id)
    return job


async def fetch(ctx: RequestContext) -> Answer:
    """A task, a video job, or a finished video's bytes."""
    op = ctx.operation
    if op.operation_id == "veoGetVideoGeneration":
        job = await _job(ctx, "GENERATION")
        return JsonAnswer(generation(job, await polled(ctx, job)))
    job = await _job(ctx, "VIDEO")
    if op.task["action"] != "CONTENT":
        return JsonAnswer(video(job, await polled(ctx, job)))
    state = store(ctx).tick(job)
    if state.phase != "succeeded":
        raise MockError(404, f"Video '{job.id}' is not ready: its status is {STATUS[state.phase]}.",
                        code="video_not_ready")
    p, variant = job.params, ctx.query.get("variant") or "video"
    if variant == "video":
        data = await run_in_threadpool(render_video, p["width"], p["height"], p["seconds"], f"veo-{job.seed}", FPS)
        return Answer(data, media_type="video/mp4")
    fmt, media = ("webp", "image/webp") if variant == "thumbnail" else ("jpeg", "image/jpeg")
    data = await run_in_threadpool(render_image, p["width"], p["height"], fmt, f"veo-{job.seed}-{variant}")
    return Answer(data, media_type=media)


def status_body(job: Job, state: Tick) -> dict[str, Any]:
    """The body a poll answers (a unified task or an OpenAI video object), for the dashboard's job list."""
    return generation(job, state) if job.kind == "GENERATION" else video(job, state)


def assets(job: Job, state: Tick) -> list[tuple[str, str]]:
    """A finished OpenAI-style video and its kind: the public asset URL of the bytes `/content` answers."""
    if job.kind == "GENERATION" or state.phase != "succeeded":
        return []
    p = job.params
    return [(video_url(job.base_url, p["width"], p["height"], p["seconds"], f"veo-{job.seed}"), "video")]
