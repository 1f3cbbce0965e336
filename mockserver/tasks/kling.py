"""Kling: image generation, Kolors virtual try-on, text/image-to-video, in the Kling envelope."""

from __future__ import annotations

from typing import Any

from ..core.answers import Answer

from ..media.assets import image_url, video_url
from ..core.context import RequestContext
from ..core.errors import MockError
from ..media import aspect_ratio_size
from ..core.answers import JsonAnswer, StreamAnswer
from .clock import Tick
from .common import body, clean, create_job, ms, polled, store
from .store import Job, as_text, as_uuid, derived

FAMILY = "kling"
STATUS = {"submitted": "submitted", "queued": "submitted", "running": "processing",
          "succeeded": "succeed", "failed": "failed", "cancelled": "failed"}
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
DEFAULT_FAIL = "Failure to pass the risk control system"
VIDEO_KINDS = {"TEXT2VIDEO", "IMAGE2VIDEO"}


def _id(material: bytes) -> str:
    return "Cj" + as_text(material, 20, ALPHABET)


def not_found() -> MockError:
    """Kling's answer for an unknown task id (code 1203)."""
    return MockError(404, "task not found")


def _size(job: Job) -> tuple[int, int]:
    return job.params["width"], job.params["height"]


def task_data(job: Job, state: Tick) -> dict[str, Any]:
    """The `data` object of a query (and the callback body)."""
    data: dict[str, Any] = {
        "task_id": job.id, "task_status": STATUS[state.phase],
        "task_status_msg": (job.plan.fail_reason or DEFAULT_FAIL) if state.phase == "failed" else "",
        "task_info": {"external_task_id": job.params["external_task_id"]} if job.params.get("external_task_id") else {},
        "created_at": ms(job.submitted_at),
        "updated_at": ms(state.finished_at or state.started_at or job.submitted_at),
    }
    if state.phase == "succeeded":
        w, h = _size(job)
        if job.kind in VIDEO_KINDS:
            seconds = job.params["duration"]
            data["task_result"] = {"videos": [{
                "id": as_uuid(derived(job, "video")),
                "url": video_url(job.base_url, w, h, seconds, f"kling-{job.seed}"),
                "duration": f"{seconds:g}"}]}
        else:
            data["task_result"] = {"images": [
                {"index": i, "url": image_url(job.base_url, w, h, "png", f"kling-{job.seed}-{i}")}
                for i in range(job.params["n"])]}
    return data


def _envelope(job: Job, data: dict[str, Any], *parts: Any) -> JsonAnswer:
    return JsonAnswer({"code": 0, "message": "SUCCEED", "request_id": as_uuid(derived(job, "req", *parts)),
                         "data": data})


async def submit(ctx: RequestContext) -> Answer:
    """Create an image, try-on or video task."""
    data, kind = body(ctx), ctx.operation.task["action"]
    if kind == "IMAGE":
        if data.get("image") and str(data.get("model_name", "")).startswith("kling-v1-5") and not data.get("image_reference"):
            raise MockError(400, "image_reference is required when kling-v1-5 is given an image",
                            param="image_reference")
        long_side = 2048 if data.get("resolution") == "2k" else 1024
        w, h = aspect_ratio_size(data.get("aspect_ratio") or "1:1", long_side)
        params = {"width": w, "height": h, "n": int(data.get("n") or 1)}
    elif kind == "TRYON":
        params = {"width": 768, "height": 1024, "n": 1}
    else:
        w, h = aspect_ratio_size(data.get("aspect_ratio") or "16:9", 1280)
        params = {"width": w, "height": h, "duration": float(data.get("duration") or 5)}
    params.update(prompt=clean(data.get("prompt")), model_name=data.get("model_name") or "kling-v1",
                  external_task_id=data.get("external_task_id") or "")
    job = await create_job(ctx, family=FAMILY, kind=kind, job_id=_id, params=params, texts=[data.get("prompt")],
                     render=task_data, notify_url=data.get("callback_url"), param="prompt")
    return _envelope(job, {"task_id": job.id, "task_status": "submitted", "task_info": task_data(
        job, store(ctx).tick(job))["task_info"], "created_at": ms(job.submitted_at),
        "updated_at": ms(job.submitted_at)}, "submit")


async def fetch(ctx: RequestContext) -> Answer:
    """Query a task on the endpoint of its own kind."""
    job = await store(ctx).get(ctx.path_params.get("task_id", ""), FAMILY)
    if job is None or job.kind != ctx.operation.task["action"]:
        raise not_found()
    state = await polled(ctx, job, task_data)
    return _envelope(job, task_data(job, state), job.polls, state.phase)


status_body = task_data  # the body a poll answers, for the dashboard's job list
