"""Midjourney (midjourney-proxy protocol): imagine, blend, describe, change / action / modal, the image proxy."""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from ..core.answers import Answer

from ..core.context import RequestContext
from ..core.errors import MockError
from ..media import aspect_ratio_size, render_image
from ..core.answers import JsonAnswer, StreamAnswer
from .clock import JobPlan, Tick
from .common import path_job, body, clean, create_job, link, ms, polled, store
from .store import Job, as_digits, as_uuid

FAMILY = "midjourney"
STATUS = {"submitted": "NOT_START", "queued": "SUBMITTED", "running": "IN_PROGRESS",
          "succeeded": "SUCCESS", "failed": "FAILURE", "cancelled": "CANCEL"}
GRID_ACTIONS = {"IMAGINE", "VARIATION", "REROLL", "BLEND"}
BLEND_RATIOS = {"PORTRAIT": "2:3", "SQUARE": "1:1", "LANDSCAPE": "3:2"}
LONG_SIDE = 1024
DEFAULT_FAIL = "[Invalid parameter] The job failed (simulated by the mock)"
_AR = re.compile(r"--(?:ar|aspect)\s+(\d+(?:\.\d+)?\s*:\s*\d+(?:\.\d+)?)", re.IGNORECASE)
_SIMPLE = re.compile(r"^\s*(\S+)\s+(U[1-4]|V[1-4]|R)\s*$", re.IGNORECASE)


def _id(material: bytes) -> str:
    return as_digits(material, 16, "17")


def not_found() -> MockError:
    """The gateway's answer for an unknown task id."""
    return MockError(404, "task_no_found")


def _size(prompt: str) -> tuple[int, int]:
    match = _AR.search(prompt or "")
    try:
        return aspect_ratio_size(match.group(1).replace(" ", "") if match else "1:1", LONG_SIDE)
    except ValueError:
        raise MockError(400, f"[Invalid parameter] Invalid value for --ar: {match.group(1) if match else ''}",
                        param="prompt") from None


def _submitted(job_id: str) -> JsonAnswer:
    return JsonAnswer({"code": 1, "description": "Submit success", "result": job_id, "properties": {}})


async def _new(ctx: RequestContext, kind: str, prompt: str, size: tuple[int, int], *, parent: Job | None = None,
         custom_id: str = "", extra: dict[str, Any] | None = None, texts: list[Any] | None = None) -> Job:
    data = body(ctx)
    params = {"prompt": clean(prompt), "width": size[0], "height": size[1], "customId": custom_id,
              "botType": data.get("botType") or (parent.params["botType"] if parent else "MID_JOURNEY"),
              "state": data.get("state") or "", "index": (extra or {}).get("index", 0)}
    job = await create_job(ctx, family=FAMILY, kind=kind, job_id=_id, params=params,
                     texts=texts if texts is not None else [prompt], render=dto,
                     notify_url=data.get("notifyHook") or (parent.notify_url if parent else None),
                     parent_id=parent.id if parent else None, param="prompt")
    if extra:
        job.extra.update(extra)
        await store(ctx).save(job)
    return job


async def _finished_parent(ctx: RequestContext, task_id: str) -> Job:
    job = await store(ctx).get(str(task_id), FAMILY)
    if job is None:
        raise not_found()
    if store(ctx).tick(job).phase != "succeeded" or job.extra.get("modal"):
        raise MockError(400, "task_status_not_success", param="taskId")
    return job


def _hash(job: Job) -> str:
    return as_uuid(bytes.fromhex(job.seed * 2))


def buttons(job: Job) -> list[dict[str, Any]]:
    """The follow-up buttons of a finished job."""
    h = _hash(job)
    def button(custom_id: str, label: str = "", emoji: str = "") -> dict[str, Any]:
        return {"customId": custom_id, "emoji": emoji, "label": label, "type": 2, "style": 2}
    if job.kind in GRID_ACTIONS:
        return ([button(f"MJ::JOB::upsample::{i}::{h}", f"U{i}") for i in range(1, 5)]
                + [button(f"MJ::JOB::reroll::0::{h}::SOLO", emoji="\U0001f504")]
                + [button(f"MJ::JOB::variation::{i}::{h}", f"V{i}") for i in range(1, 5)])
    if job.kind in ("UPSCALE", "ZOOM", "PAN", "MODAL"):
        i = job.params.get("index") or 1
        return [button(f"MJ::JOB::upsample_v6_2x_subtle::{i}::{h}::SOLO", "Upscale (Subtle)"),
                button(f"MJ::JOB::upsample_v6_2x_creative::{i}::{h}::SOLO", "Upscale (Creative)"),
                button(f"MJ::JOB::low_variation::{i}::{h}::SOLO", "Vary (Subtle)", "\U0001fa84"),
                button(f"MJ::JOB::high_variation::{i}::{h}::SOLO", "Vary (Strong)", "\U0001fa84"),
                button(f"MJ::Inpaint::{i}::{h}::SOLO", "Vary (Region)", "\U0001f58c\ufe0f"),
                button(f"MJ::Outpaint::50::{i}::{h}::SOLO", "Zoom Out 2x", "\U0001f50d"),
                button(f"MJ::Outpaint::75::{i}::{h}::SOLO", "Zoom Out 1.5x", "\U0001f50d"),
                button(f"MJ::CustomZoom::{h}", "Custom Zoom", "\U0001f50d"),
                button(f"MJ::JOB::pan_left::{i}::{h}::SOLO", emoji="\u2b05\ufe0f"),
                button(f"MJ::JOB::pan_right::{i}::{h}::SOLO", emoji="\u27a1\ufe0f"),
                button(f"MJ::JOB::pan_up::{i}::{h}::SOLO", emoji="\u2b06\ufe0f"),
                button(f"MJ::JOB::pan_down::{i}::{h}::SOLO", emoji="\u2b07\ufe0f")]
    return []


def _describe_prompts(job: Job) -> str:
    w, h = job.params["width"], job.params["height"]
    ratio = f"{w // _gcd(w, h)}:{h // _gcd(w, h)}"
    subjects = ["a quiet landscape in soft morning light", "an abstract composition of layered shapes",
                "a minimal illustration with bold colour fields", "a detailed digital painting, cinematic mood"]
    start = int(job.seed[:2], 16) % len(subjects)
    picks = [subjects[(start + i) % len(subjects)] for i in range(4)]
    return "\n\n".join(f"{i + 1}\ufe0f\u20e3 {text} --ar {ratio}" for i, text in enumerate(picks))


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a or 1


def _shorten(prompt: str) -> str:
    words = [w for w in re.split(r"[\s,]+", prompt) if w and not w.startswith("--")]
    cuts = [max(1, len(words) * k // 6) for k in (5, 4, 3, 2, 1)]
    return "\n\n".join(f"{i + 1}\ufe0f\u20e3 {' '.join(words[:n])}" for i, n in enumerate(cuts))


def dto(job: Job, state: Tick) -> dict[str, Any]:
    """The task DTO `GET /mj/task/{id}/fetch` answers (and the notifyHook receives)."""
    p = job.params
    status = "MODAL" if job.extra.get("modal") else STATUS[state.phase]
    success = state.phase == "succeeded" and not job.extra.get("modal")
    prompt, final = p["prompt"], p["prompt"]
    if job.kind == "DESCRIBE":
        prompt = final = _describe_prompts(job) if success else ""
    elif job.kind == "SHORTEN" and success:
        final = _shorten(p["prompt"])
    progress = {"submitted": "0%", "queued": "0%"}.get(state.phase, f"{state.percent}%")
    return {
        "id": job.id, "action": job.kind, "customId": p["customId"], "botType": p["botType"],
        "prompt": prompt, "promptEn": prompt, "description": "Submit success", "state": p["state"],
        "submitTime": ms(job.submitted_at), "startTime": ms(state.started_at), "finishTime": ms(state.finished_at),
        "imageUrl": link(job, "mjGetImage", id=job.id) if success and job.kind != "SHORTEN" else "",
        "status": status, "progress": "0%" if status == "MODAL" else progress,
        "failReason": (job.plan.fail_reason or DEFAULT_FAIL) if state.phase == "failed" else "",
        "buttons": buttons(job) if success else [],
        "properties": {"finalPrompt": final, "finalZhPrompt": ""} if state.started_at else {},
    }


async def submit(ctx: RequestContext) -> Answer:
    """Imagine, blend, describe, change, shorten, swap-face."""
    data, kind = body(ctx), ctx.operation.task["action"]
    if kind == "IMAGINE":
        job = await _new(ctx, "IMAGINE", data["prompt"], _size(data["prompt"]))
    elif kind == "BLEND":
        ratio = BLEND_RATIOS.get(data.get("dimensions") or "SQUARE", "1:1")
        job = await _new(ctx, "BLEND", "", aspect_ratio_size(ratio, LONG_SIDE), texts=[])
    elif kind == "DESCRIBE":
        job = await _new(ctx, "DESCRIBE", "", (LONG_SIDE, LONG_SIDE), texts=[])
    elif kind == "SHORTEN":
        job = await _new(ctx, "SHORTEN", data["prompt"], (LONG_SIDE, LONG_SIDE))
    elif kind == "SWAP_FACE":
        job = await _new(ctx, "SWAP_FACE", "", (LONG_SIDE, LONG_SIDE), texts=[])
    else:  # CHANGE
        parent = await _finished_parent(ctx, data["taskId"])
        job = await _follow_up(ctx, parent, data["action"], int(data.get("index") or 0), "")
    return _submitted(job.id)


async def _follow_up(ctx: RequestContext, parent: Job, action: str, index: int, custom_id: str,
               extra: dict[str, Any] | None = None) -> Job:
    if action in ("UPSCALE", "VARIATION") and not 1 <= index <= 4:
        raise MockError(400, "index_can_only_be_1_2_3_4", param="index")
    if action == "UPSCALE" and parent.kind not in GRID_ACTIONS:
        raise MockError(400, "upscale_requires_a_grid_task", param="taskId")
    size = (parent.params["width"], parent.params["height"])
    return await _new(ctx, action, parent.params["prompt"], size, parent=parent, custom_id=custom_id,
                extra={"index": index, **(extra or {})}, texts=[body(ctx).get("prompt")])


_CUSTOM = [
    (re.compile(r"^MJ::JOB::upsample(?:_v\d+_2x_\w+)?::(\d)::"), "UPSCALE"),
    (re.compile(r"^MJ::JOB::(?:low_|high_)?variation::(\d)::"), "VARIATION"),
    (re.compile(r"^MJ::JOB::reroll::(\d)::"), "REROLL"),
    (re.compile(r"^MJ::Outpaint::\d+::(\d)::"), "ZOOM"),
    (re.compile(r"^MJ::JOB::pan_\w+::(\d)::"), "PAN"),
    (re.compile(r"^MJ::Inpaint::(\d)::"), "MODAL"),
    (re.compile(r"^MJ::CustomZoom::()"), "MODAL"),
]


async def action(ctx: RequestContext) -> Answer:
    """Press a button (`/mj/submit/action`), a simple change, a modal, or upload images."""
    data, kind = body(ctx), ctx.operation.task["action"]
    if kind == "UPLOAD":
        return await _upload(ctx, data)
    if kind == "MODAL":
        return await _modal(ctx, data)
    if kind == "SIMPLE_CHANGE":
        match = _SIMPLE.match(data["content"])
        if not match:
            raise MockError(400, "content must be '<taskId> <U1-U4|V1-V4|R>'", param="content")
        parent = await _finished_parent(ctx, match.group(1))
        op = match.group(2).upper()
        action_name = {"U": "UPSCALE", "V": "VARIATION", "R": "REROLL"}[op[0]]
        return _submitted((await _follow_up(ctx, parent, action_name, int(op[1:] or 0), "")).id)
    parent = await _finished_parent(ctx, data["taskId"])
    custom_id = data["customId"]
    if custom_id not in {b["customId"] for b in buttons(parent)}:
        raise MockError(400, f"customId not found among the buttons of task {parent.id}", param="customId")
    for pattern, name in _CUSTOM:
        match = pattern.match(custom_id)
        if match:
            index = int(match.group(1) or parent.params.get("index") or 1)
            job = await _follow_up(ctx, parent, name, index, custom_id, {"modal": name == "MODAL"})
            if name == "MODAL":  # waits for /mj/submit/modal, as Vary (Region) and Custom Zoom do
                job.extra["modal"] = True
            return _submitted(job.id)
    raise MockError(400, f"Unsupported customId: {custom_id}", param="customId")


async def _modal(ctx: RequestContext, data: dict[str, Any]) -> Answer:
    job = await store(ctx).get(str(data["taskId"]), FAMILY)
    if job is None:
        raise not_found()
    if not job.extra.get("modal"):
        raise MockError(400, "task_status_not_modal", param="taskId")
    job.extra["modal"] = False
    if data.get("prompt"):
        job.params["prompt"] = clean(data["prompt"])
    await store(ctx).restart(job)
    return _submitted(job.id)


async def _upload(ctx: RequestContext, data: dict[str, Any]) -> Answer:
    urls = []
    for i, item in enumerate(data["base64Array"]):
        if not isinstance(item, str) or not item.startswith("data:image/"):
            raise MockError(400, f"base64Array[{i}] must be a data URL (data:image/png;base64,...)",
                            param=f"base64Array[{i}]")
        job = await _new(ctx, "UPLOAD", "", (LONG_SIDE, LONG_SIDE), texts=[])
        await store(ctx).restart(job, store(ctx).effective(JobPlan(duration_ms=0)))
        urls.append(link(job, "mjGetImage", id=job.id))
    return JsonAnswer({"code": 1, "description": "Success", "result": urls, "properties": {}})


async def fetch(ctx: RequestContext) -> Answer:
    """A task's DTO, its image seed, or its image bytes."""
    kind = ctx.operation.task["action"]
    job = await path_job(ctx, FAMILY, not_found())
    if kind == "CONTENT":
        state = store(ctx).tick(job)
        if state.phase != "succeeded" or job.kind == "SHORTEN" or job.extra.get("modal"):
            raise MockError(404, "image_not_ready")
        w, h = job.params["width"], job.params["height"]
        data = await run_in_threadpool(render_image, w, h, "png", job.seed)
        return Answer(data, media_type="image/png", headers={"cache-control": "public, max-age=86400"})
    state = await polled(ctx, job, dto)
    if kind == "IMAGE_SEED":
        if state.phase != "succeeded":
            raise MockError(400, "task_status_not_success")
        return JsonAnswer({"code": 1, "description": "Success", "result": str(int(job.seed[:8], 16)),
                             "properties": {}})
    return JsonAnswer(dto(job, state))


async def list_tasks(ctx: RequestContext) -> Answer:
    """`list-by-condition`: the DTOs of the known ids, in order."""
    out = []
    for task_id in body(ctx).get("ids") or []:
        job = await store(ctx).get(str(task_id), FAMILY)
        if job is not None:
            out.append(dto(job, await polled(ctx, job, dto)))
    return JsonAnswer(out)


status_body = dto  # the body a poll answers, for the dashboard's job list
