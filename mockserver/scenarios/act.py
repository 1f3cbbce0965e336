"""What a selected scenario step does: faults, raw answers, stream and task plans, scripted replies."""

from __future__ import annotations

import asyncio
import mimetypes
from typing import TYPE_CHECKING, Any

from ..core.answers import Answer, JsonAnswer, ResetAnswer, StreamAnswer, sse_frame
from ..core.errors import MockError
from ..pipeline.pace import StreamPlan, paced
from . import render
from .faults import BROKEN_JSON, default_message, fault_headers
from .model import Fault, RawSpec

if TYPE_CHECKING:
    from ..core.context import RequestContext
    from ..core.conversation import Conversation
    from ..core.reply import Reply
    from ..pipeline.select import Decision

TASK_KEYS = {"duration_ms", "polls", "fail_at", "fail_reason", "fail_code"}


async def before_reply(ctx: "RequestContext", decision: "Decision") -> Answer | None:
    """The step's effects that come before any reply: an answer that ends the request, or None to go on."""
    if decision.error is not None:
        return ctx.dialect.error_answer(decision.error, ctx.request_id)
    step = decision.step
    if step is None:
        return None
    if step.task is not None:
        plan = {k: v for k, v in step.task.items() if k in TASK_KEYS}
        if isinstance(plan.get("fail_at"), (int, float)) and plan["fail_at"] > 1:
            plan["fail_at"] = plan["fail_at"] / 100
        ctx.task_plan = plan
        decision.outcome(f"task plan {plan}")
    fault = step.fault
    if fault is not None:
        if fault.stall_ms:
            await asyncio.sleep(fault.stall_ms / 1000)
        if fault.reset:
            decision.outcome("connection reset")
            return ResetAnswer()
        if fault.invalid_json:
            decision.outcome("invalid JSON body")
            return Answer(BROKEN_JSON, status_code=fault.status or 200, media_type="application/json")
        if fault.status is not None:
            decision.outcome(f"fault {fault.status}")
            return ctx.dialect.error_answer(fault_error(fault), ctx.request_id)
    if step.stream is not None and ctx.stream:
        seed = f"{ctx.seed}:{decision.scenario['name']}:{decision.scenario_key}:{decision.step_index}"
        ctx.stream_plan = render.stream_plan(ctx, step.stream, seed)
        decision.outcome("default reply with the scenario's stream timing and faults")
    if step.raw is not None:
        decision.outcome("raw response")
        name = decision.scenario["name"]
        count = await ctx.services.state.counters.peek(name, decision.scenario_key)
        return raw_answer(ctx, step.raw, {"scenario": name, "count": count})
    return None


def fault_error(fault: Fault, status: int | None = None) -> MockError:
    """The error a fault describes, with its retry headers."""
    status = status or fault.status or 500
    return MockError(status, fault.message or default_message(status), code=fault.code, kind=fault.type,
                     headers=fault_headers(fault))


async def scripted_reply(ctx: "RequestContext", decision: "Decision", conv: "Conversation") -> "Reply | None":
    """The step's `reply`, in neutral terms (None when the step has no reply)."""
    step = decision.step
    if step is None or step.reply is None:
        return None
    name = decision.scenario["name"]
    key = ctx.fingerprint(name, decision.step_index)
    count = await ctx.services.state.counters.peek(name, decision.scenario_key)
    reply = render.build_reply(step.reply, ctx, conv, key, {"scenario": name, "count": count}, _chunk_size(ctx, decision))
    decision.outcome("scripted reply")
    return reply


def rechunk_default(ctx: "RequestContext", decision: "Decision", reply: "Reply") -> None:
    """A default reply streamed `chunk_size` tokens at a time, when the step says so."""
    size = _chunk_size(ctx, decision)
    if size:
        render.rechunk(reply, size)
        decision.outcome("default reply, re-chunked")


def apply_usage(decision: "Decision", reply: "Reply") -> None:
    """The step's explicit `usage` numbers win over computed ones."""
    for name, value in decision.step.reply.usage.items():
        setattr(reply.usage, name, value)


def _chunk_size(ctx: "RequestContext", decision: "Decision") -> int | None:
    stream = decision.step.stream if decision.step is not None else None
    return stream.chunk_size if stream is not None and ctx.stream else None


def raw_answer(ctx: "RequestContext", raw: RawSpec, extra: dict[str, Any]) -> Answer:
    """The exact response a scenario wrote (templated); events go through the stream plan, at their recorded delays."""
    if raw.body_file is not None:
        media = raw.headers.get("content-type") or mimetypes.guess_type(raw.body_file.name)[0]
        return Answer(raw.body_file.read_bytes(), status_code=raw.status, headers=raw.headers or None,
                      media_type=media or "application/octet-stream")
    conv = ctx.conversation if "{{" in repr(raw.body) + repr(raw.events) and _parses(ctx) else None
    if raw.events is not None:
        frames, delays = [], []
        for event in render.template(raw.events, ctx, conv, extra):
            if isinstance(event, dict):
                frame = event.get("frame")
                delays.append(float(event.get("delay_ms") or 0))
                if frame is None:
                    frames.append(sse_frame(event.get("data"), event=event.get("event")))
                    continue
            else:
                frame = event
                delays.append(0.0)
            frames.append(frame.encode() if frame.endswith(("\n\n", "\r\n\r\n", "\r\r")) else (frame + "\n\n").encode())
        answer = StreamAnswer(frames, status_code=raw.status, headers=raw.headers or None)
        plan = recorded_timing(ctx.stream_plan, delays, ctx.services.settings.replay_speed)
        if plan is not None and not plan.is_plain():
            answer.frames = paced(answer.frames, plan)
        return answer
    body: Any = render.template(raw.body, ctx, conv, extra)
    if isinstance(body, str):
        media = raw.headers.get("content-type") or raw.headers.get("Content-Type") or "text/plain"
        return Answer(body, status_code=raw.status, headers=raw.headers or None, media_type=media)
    return JsonAnswer(body, status_code=raw.status, headers=raw.headers or None)


def recorded_timing(plan: StreamPlan | None, delays: list[float], speed: float) -> StreamPlan | None:
    """The stream plan with the events' recorded delays, `speed` times as fast (0: no delays); faults kept."""
    if not speed or not any(delays):
        return plan
    plan = plan or StreamPlan()
    plan.delays = [delay / speed for delay in delays]
    return plan


def _parses(ctx: "RequestContext") -> bool:
    return ctx.dialect is not None and ctx.dialect.parses(ctx.operation)
