"""Luma Dream Machine: generations and extensions, as Luma-native generation objects."""

from __future__ import annotations

import re
from typing import Any

from ..core.answers import Answer

from ..media.assets import image_url, video_url
from ..core.context import RequestContext
from ..core.errors import MockError
from ..media import aspect_ratio_size
from ..core.answers import JsonAnswer, StreamAnswer
from .clock import AT_SUBMIT, Tick
from .common import path_job, body, clean, create_job, iso, polled, store
from .store import Job, as_uuid

FAMILY = "luma"
STATUS = {"submitted": "pending", "queued": "pending", "running": "processing",
          "succeeded": "completed", "failed": "failed", "cancelled": "failed"}
DEFAULT_FAIL = "Generation failed: prompt rejected by moderation"
RESOLUTIONS = {"540p": 960, "720p": 1280, "1080p": 1920, "4k": 3840}
MAX_SECONDS = 120.0


def not_found() -> MockError:
    """Luma's answer for an unknown generation."""
    return MockError(404, "Generation not found")


def _seconds(value: Any) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*s?\s*", str(value or "5"))
    if not match or not 0 < float(match.group(1)) <= 10:
        raise MockError(400, f"Invalid duration: {value!r} (expected e.g. 5s or 9s)", param="duration")
    return float(match.group(1))


def generation(job: Job, state: Tick) -> dict[str, Any]:
    """The generation object (the fetch answer and the notify_hook body)."""
    p = job.params
    done = state.phase == "succeeded"
    w, h = p["width"], p["height"]
    media = None
    if done:
        url = video_url(job.base_url, w, h, p["seconds"], f"luma-{job.seed}")
        media = {"url": url, "width": w, "height": h, "thumbnail": None, "download_url": url}
    frame = lambda name: {"url": image_url(job.base_url, w, h, "jpeg", f"luma-{job.seed}-{name}"),  # noqa: E731
                          "width": w, "height": h} if done else None
    return {
        "id": job.id, "prompt": p["prompt"], "state": STATUS[state.phase], "queue_state": None,
        "created_at": iso(job.submitted_at), "batch_id": "", "video": media,
        "video_raw": dict(media, url=media["url"]) if media else None, "liked": None,
        "estimate_wait_seconds": None if state.done else _wait(job, state),
        "thumbnail": frame("thumb"), "last_frame": frame("last"),
        "artifact": {"video": media} if media else None,
        "message": (job.plan.fail_reason or DEFAULT_FAIL) if state.phase == "failed" else None,
        "extend_from": job.parent_id,
    }


def _wait(job: Job, state: Tick) -> int | None:
    if job.plan.polls is not None or not job.plan.duration_ms:
        return None
    return max(0, int((job.plan.duration_ms / 1000) * (1 - state.progress)))


async def submit(ctx: RequestContext) -> Answer:
    """Create a generation, or extend a completed one."""
    data, kind = body(ctx), ctx.operation.task["action"]
    parent = None
    if kind == "EXTEND":
        parent = await store(ctx).get(ctx.path_params.get("task_id", ""), FAMILY)
        if parent is None:
            raise not_found()
        if store(ctx).tick(parent).phase != "succeeded":
            raise MockError(400, f"Generation {parent.id} is not completed; only completed generations can be extended.")
        p = parent.params
        params = {"width": p["width"], "height": p["height"], "seconds": min(MAX_SECONDS, p["seconds"] + 5),
                  "prompt": clean(data.get("user_prompt")) or p["prompt"]}
    else:
        long_side = RESOLUTIONS.get(str(data.get("resolution") or "720p").lower(), 1280)
        w, h = aspect_ratio_size(data.get("aspect_ratio") or "16:9", long_side)
        params = {"width": w, "height": h, "seconds": _seconds(data.get("duration")),
                  "prompt": clean(data["user_prompt"])}
    job = await create_job(ctx, family=FAMILY, kind=kind, job_id=as_uuid, params=params, texts=[data.get("user_prompt")],
                     render=generation, notify_url=data.get("notify_hook"), parent_id=parent.id if parent else None,
                     param="user_prompt")
    return JsonAnswer(generation(job, AT_SUBMIT))


async def fetch(ctx: RequestContext) -> Answer:
    """A generation by id."""
    job = await path_job(ctx, FAMILY, not_found())
    return JsonAnswer(generation(job, await polled(ctx, job, generation)))


status_body = generation  # the body a poll answers, for the dashboard's job list
