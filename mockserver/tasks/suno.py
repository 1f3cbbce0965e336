"""Suno: songs (inspiration, custom, continuation) and lyrics, in the gateway's task envelope."""

from __future__ import annotations

import re
from typing import Any

from ..core.answers import Answer

from ..media.assets import audio_url, image_url, video_url
from ..core.context import RequestContext
from ..core.errors import MockError
from ..core.answers import JsonAnswer, StreamAnswer
from .clock import Tick
from .common import path_job, body, clean, create_job, iso, polled, sec, store
from .store import Job, as_uuid, derived

FAMILY = "suno"
STATUS = {"submitted": "NOT_START", "queued": "SUBMITTED", "running": "IN_PROGRESS",
          "succeeded": "SUCCESS", "failed": "FAILURE", "cancelled": "FAILURE"}
CLIP_STATUS = {"submitted": "submitted", "queued": "queued", "running": "streaming",
               "succeeded": "complete", "failed": "error", "cancelled": "error"}
DEFAULT_FAIL = "Unable to generate the song (simulated by the mock)."
CLIPS = 2
COVER = 512


def not_found() -> MockError:
    """The gateway's answer for an unknown task."""
    return MockError(404, "task_not_exist", code="task_not_exist")


def _clip_ids(job: Job) -> list[str]:
    return [as_uuid(derived(job, "clip", i)) for i in range(CLIPS)]


def _duration(job: Job, i: int) -> float:
    base = 45 + int(job.seed[2 * i:2 * i + 4], 16) % 4500 / 100  # 45-90 s, stable per clip
    return round(base + job.params.get("continue_at", 0.0), 2)


def _version(mv: str) -> tuple[str, str]:
    match = re.search(r"v(\d+)", mv)
    major = f"v{match.group(1)}" if match else ("v4.5" if "auk" in mv else "v3")
    return f"chirp-{major}", major


def _clip(job: Job, state: Tick, i: int, clip_id: str) -> dict[str, Any]:
    p = job.params
    status = CLIP_STATUS[state.phase]
    model, major = _version(p["mv"])
    seed, duration = f"suno-{clip_id[:8]}-{job.seed}", _duration(job, i)
    streaming = state.phase == "running"
    done = state.phase == "succeeded"
    return {
        "id": clip_id, "title": p["title"], "status": status,
        "audio_url": audio_url(job.base_url, duration, "mp3", seed) if done or streaming else "",
        "video_url": video_url(job.base_url, COVER, COVER, duration, seed) if done else "",
        "image_url": image_url(job.base_url, COVER, COVER, "jpeg", seed) if done or streaming else "",
        "image_large_url": image_url(job.base_url, COVER * 2, COVER * 2, "jpeg", seed) if done else "",
        "model_name": model, "major_model_version": major,
        "metadata": {"tags": p["tags"], "negative_tags": p["negative_tags"], "prompt": p["prompt"],
                     "gpt_description_prompt": p["description"] or None,
                     "duration": duration if done else None, "type": "gen",
                     "continue_clip_id": p.get("continue_clip_id"), "continue_at": p.get("continue_at"),
                     "error_type": "generation_failed" if state.phase == "failed" else None,
                     "error_message": (job.plan.fail_reason or DEFAULT_FAIL) if state.phase == "failed" else None},
        "created_at": iso(job.submitted_at),
    }


def _lyrics(theme: str) -> str:
    """Deterministic lyrics on the words of `theme`."""
    words = [w for w in re.findall(r"[A-Za-z']+", theme) if len(w) > 2] or ["night", "road", "light"]
    line = lambda k: " ".join(words[(k + j) % len(words)] for j in range(min(4, len(words))))  # noqa: E731
    return (f"[Verse]\nOh the {line(0)}\nAnd the {line(1)} goes on\n"
            f"[Chorus]\nSing it loud, {line(2)}\nAll night long\n"
            f"[Verse 2]\nWhen the {line(3)} is gone\nWe carry on")


def task_dto(job: Job, state: Tick) -> dict[str, Any]:
    """One task as the fetch endpoints answer it (and the notify_hook receives it)."""
    data: Any
    if job.kind == "LYRICS":
        done = state.phase == "succeeded"
        data = {"id": job.id, "status": CLIP_STATUS[state.phase], "title": job.params["title"] if done else "",
                "text": _lyrics(job.params["prompt"]) if done else ""}
    elif state.phase == "failed":
        data = None
    else:
        data = [_clip(job, state, i, clip_id) for i, clip_id in enumerate(_clip_ids(job))]
    return {"task_id": job.id, "action": job.kind, "status": STATUS[state.phase],
            "fail_reason": (job.plan.fail_reason or DEFAULT_FAIL) if state.phase == "failed" else "",
            "submit_time": sec(job.submitted_at), "start_time": sec(state.started_at),
            "finish_time": sec(state.finished_at),
            "progress": "100%" if state.done else f"{state.percent}%", "data": data}


def _title(text: str) -> str:
    words = re.findall(r"[A-Za-z']+", text)[:4]
    return " ".join(w.capitalize() for w in words) or "Untitled"


async def _continuation(ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    clip_id = data.get("continue_clip_id")
    if not clip_id:
        return {}
    parent = await store(ctx).by_alias("suno-clip:" + str(clip_id), FAMILY)
    if parent is None:
        raise MockError(400, "continue_clip_id_not_found", param="continue_clip_id")
    if data.get("task_id") and data["task_id"] != parent.id:
        raise MockError(400, "continue_clip_id does not belong to task_id", param="continue_clip_id")
    if store(ctx).tick(parent).phase != "succeeded":
        raise MockError(400, "task_not_complete: the clip to continue is not complete yet", param="continue_clip_id")
    index = _clip_ids(parent).index(str(clip_id))
    at = float(data.get("continue_at") if data.get("continue_at") is not None else _duration(parent, index))
    if at > _duration(parent, index):
        raise MockError(400, f"continue_at must be at most the clip's duration ({_duration(parent, index)} s)",
                        param="continue_at")
    return {"continue_clip_id": str(clip_id), "continue_at": at, "parent": parent.id}


async def submit(ctx: RequestContext) -> Answer:
    """Submit a MUSIC or LYRICS task; answers the task id in `data`."""
    data, kind = body(ctx), ctx.operation.task["action"]
    if kind == "MUSIC" and not (data.get("prompt") or data.get("gpt_description_prompt")):
        raise MockError(400, "prompt_empty", param="prompt")
    extra = await _continuation(ctx, data) if kind == "MUSIC" else {}
    prompt, description = clean(data.get("prompt")), clean(data.get("gpt_description_prompt"))
    params = {"prompt": prompt if kind == "LYRICS" or not description else "", "description": description,
              "tags": data.get("tags") or "", "negative_tags": data.get("negative_tags") or "",
              "title": data.get("title") or _title(description or prompt), "mv": data.get("mv") or "chirp-v3-0",
              **{k: v for k, v in extra.items() if k != "parent"}}
    if kind == "MUSIC" and description and not data.get("make_instrumental"):
        params["prompt"] = _lyrics(description)
    job = await create_job(ctx, family=FAMILY, kind=kind, job_id=as_uuid, params=params,
                     texts=[data.get("prompt"), data.get("gpt_description_prompt")], render=task_dto,
                     notify_url=data.get("notify_hook"), parent_id=extra.get("parent"), param="prompt")
    if kind == "MUSIC":
        for clip_id in _clip_ids(job):
            await store(ctx).alias("suno-clip:" + clip_id, job.id)
    return JsonAnswer({"code": "success", "message": "", "data": job.id})


async def fetch(ctx: RequestContext) -> Answer:
    """One task."""
    job = await path_job(ctx, FAMILY, not_found())
    return JsonAnswer({"code": "success", "message": "", "data": task_dto(job, await polled(ctx, job, task_dto))})


async def list_tasks(ctx: RequestContext) -> Answer:
    """Several tasks by id (unknown ids, and other actions when `action` is given, are left out)."""
    data = body(ctx)
    out = []
    for task_id in data.get("ids") or []:
        job = await store(ctx).get(str(task_id), FAMILY)
        if job is not None and data.get("action") in (None, job.kind):
            out.append(task_dto(job, await polled(ctx, job, task_dto)))
    return JsonAnswer({"code": "success", "message": "", "data": out})


status_body = task_dto  # the body a poll answers, for the dashboard's job list
