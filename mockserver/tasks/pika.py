"""Pika: generate a video, read it back from the feed."""

from __future__ import annotations

from typing import Any

from ..core.answers import Answer

from ..media.assets import image_url, video_url
from ..core.context import RequestContext
from ..core.errors import MockError
from ..media import aspect_ratio_size
from ..core.answers import JsonAnswer, StreamAnswer
from .clock import Tick
from .common import path_job, body, clean, create_job, iso, polled
from .store import Job, as_text

FAMILY = "pika"
STATUS = {"submitted": "queued", "queued": "queued", "running": "pending",
          "succeeded": "finished", "failed": "error", "cancelled": "error"}
DEFAULT_FAIL = "generation failed"
SECONDS = 5.0


def _id(material: bytes) -> str:
    return "cl" + as_text(material, 23, "0123456789abcdefghijklmnopqrstuvwxyz")


def not_found() -> MockError:
    """The gateway's answer for an unknown task."""
    return MockError(404, "task_not_exist", code="task_not_exist")


def feed(job: Job, state: Tick) -> dict[str, Any]:
    """The feed answer for a task."""
    p = job.params
    done = state.phase == "succeeded"
    w, h = p["width"], p["height"]
    thumb = image_url(job.base_url, w, h, "jpeg", f"pika-{job.seed}-thumb") if done else None
    video = {
        "id": job.id, "status": STATUS[state.phase], "progress": state.percent, "seed": p["seed"],
        "resultUrl": video_url(job.base_url, w, h, SECONDS, f"pika-{job.seed}") if done else None,
        "sharingUrl": None, "videoPoster": image_url(job.base_url, w, h, "jpeg", f"pika-{job.seed}-poster") if done else None,
        "imageThumb": thumb, "duration": SECONDS,
        "error": (job.plan.fail_reason or DEFAULT_FAIL) if state.phase == "failed" else None,
    }
    return {"id": job.id, "message": "", "promptText": p["prompt"], "videos": [video], "artifact": None,
            "created_at": iso(job.submitted_at), "last_frame": None, "thumbnail": thumb, "video_raw": None}


async def submit(ctx: RequestContext) -> Answer:
    """Create a task; answers its id."""
    data = body(ctx)
    options = data.get("options") if isinstance(data.get("options"), dict) else {}
    try:
        w, h = aspect_ratio_size(options.get("aspectRatio") or 16 / 9, 1280)
    except ValueError as exc:
        raise MockError(400, str(exc), param="options.aspectRatio") from None
    job = await create_job(ctx, family=FAMILY, kind="GENERATE", job_id=_id, texts=[data.get("promptText")],
                     params={"width": w, "height": h, "prompt": clean(data["promptText"])}, param="promptText")
    job.params["seed"] = int(job.seed[:8], 16)
    return JsonAnswer({"id": job.id})


async def fetch(ctx: RequestContext) -> Answer:
    """The feed of one task."""
    job = await path_job(ctx, FAMILY, not_found())
    return JsonAnswer(feed(job, await polled(ctx, job)))


status_body = feed  # the body a poll answers, for the dashboard's job list
