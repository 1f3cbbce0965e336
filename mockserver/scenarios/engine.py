"""The scenario selector: pick a scenario for a request and answer as its current step says."""

from __future__ import annotations

import asyncio
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from .. import tokens
from ..context import RequestContext
from ..errors import error_response
from ..journal import SECRET_HEADERS, redact
from ..responses import JSONResponse, sse_frame
from ..settings import shipped
from ..streaming import event_stream
from . import faults, render
from .loader import LoadReport, load_dirs
from .matcher import quick_reject, RequestView, Verdict, evaluate
from .model import TASK_KEYS, RawSpec, Scenario, ScenarioError, Step
from .reload import Watcher
from .state import ScenarioState, key_of

if TYPE_CHECKING:
    from ..app import MockServer

log = logging.getLogger("mockserver.scenarios")
HEADER = "x-mock-scenario"
DEFAULT_DIR = shipped("scenarios")
NEAREST = 3


class ScenarioLoadError(Exception):
    """Scenario files with errors: the server must not start."""

    def __init__(self, report: LoadReport) -> None:
        super().__init__("broken scenario files:\n" + report.text())
        self.report = report


class ScenarioEngine:
    """The loaded scenarios (files plus ones added over the admin API), their index and their state."""

    def __init__(self, server: "MockServer", directories: list[Path]) -> None:
        self.server = server
        self.directories = directories
        self.state = ScenarioState()
        self.added: list[Scenario] = []
        report = self._load()
        if report.errors:
            raise ScenarioLoadError(report)
        self.from_files = report.scenarios
        self.shadowed = report.shadowed
        self.watcher = Watcher(self.directories)
        self.last_reload_error: str | None = None
        self._reindex()

    # ------------------------------------------------------------------ the set

    def _load(self) -> LoadReport:
        return load_dirs(self.directories, DEFAULT_DIR)

    @property
    def scenarios(self) -> list[Scenario]:
        """Every active scenario: added ones shadow file ones of the same name."""
        names = {s.name for s in self.added}
        return [s for s in self.from_files if s.name not in names] + self.added

    def _reindex(self) -> None:
        ordered = sorted(enumerate(self.scenarios), key=lambda p: (-p[1].priority, -p[1].match.size(), p[0]))
        self.by_name = {s.name: s for s in self.scenarios}
        self.index: dict[str, list[Scenario]] = {}
        for op in self.server.spec.operations:
            names = {op.operation_id, *op.dialects}
            if op.handler_name:
                names |= {op.handler_name, op.handler_name.partition(":")[0]}
            self.index[op.operation_id] = [s for _, s in ordered if not s.match.explicit
                                           and (not s.match.operations or names & set(s.match.operations))]

    def add(self, scenarios: list[Scenario]) -> None:
        """Add (or replace by name) scenarios at run time."""
        names = {s.name for s in scenarios}
        self.added = [s for s in self.added if s.name not in names] + scenarios
        for s in scenarios:
            self.state.reset(s.name)
        self._reindex()

    def remove(self, name: str) -> bool:
        """Remove a scenario (an added one, or a file one until the next reset or reload)."""
        before = len(self.scenarios)
        self.added = [s for s in self.added if s.name != name]
        self.from_files = [s for s in self.from_files if s.name != name]
        self.state.reset(name)
        self._reindex()
        return len(self.scenarios) < before

    def reset(self) -> None:
        """Back to the files as they are on disk, with fresh state."""
        self.added = []
        self.state.reset()
        report = self._load()
        if not report.errors:
            self.from_files, self.shadowed = report.scenarios, report.shadowed
        self.watcher.snapshot()
        self._reindex()

    def reload_if_changed(self) -> None:
        """Reload the directory when a file changed; a broken edit keeps the last good set."""
        if not self.watcher.changed():
            return
        report = self._load()
        if report.errors:
            self.last_reload_error = report.text()
            log.error("scenario reload failed; keeping the last good set:\n%s", report.text())
            return
        self.last_reload_error = None
        self.from_files, self.shadowed = report.scenarios, report.shadowed
        self._reindex()
        log.info("scenarios reloaded: %d from %s", len(report.scenarios), ", ".join(map(str, self.directories)))

    # ------------------------------------------------------------------ selection

    async def select(self, ctx: RequestContext) -> Response | None:
        """The selector hooked in front of `Prefer`: a scenario's answer, or None for default behaviour."""
        self.reload_if_changed()
        named = ctx.headers.get(HEADER)
        module = render.dialect_module(ctx)
        view = RequestView(ctx, module.parse if module else None)
        if named:
            scenario = self.by_name.get(named)
            if scenario is None:
                known = ", ".join(sorted(self.by_name)) or "none"
                return error_response(ctx.dialect, 400, f"X-Mock-Scenario: no scenario named '{named}' "
                                                        f"(known: {known}).", param=HEADER, code="unknown_scenario")
            verdict = evaluate(scenario, view, explicit=True)
            if not verdict.matched:
                ctx.notes["scenario_skipped"] = {"scenario": named, "why": verdict.failed}
                return None
            return await self._answer(ctx, scenario, [f"header X-Mock-Scenario: {named}"], module, view)
        candidates = self.index.get(ctx.operation.operation_id)
        ctx.notes["scenarios_considered"] = len(candidates) if candidates else 0
        if not candidates:
            return None
        for scenario in candidates:
            if quick_reject(scenario.match, view):
                continue
            verdict = evaluate(scenario, view)
            if verdict.matched:
                return await self._answer(ctx, scenario, verdict.passed or ["matches every request"], module, view)
        # Explaining a miss costs more than matching; the journal builds the report only when it is read.
        ctx.notes["scenario_misses"] = lambda: nearest([evaluate(s, view, complete=True) for s in candidates])
        return None

    def trace(self, ctx: RequestContext) -> list[str]:
        """What selection saw, for `--log-level debug`: the scenario chosen, or the nearest misses and why."""
        notes = ctx.notes
        lines = []
        skipped = notes.get("scenario_skipped")
        if skipped:
            lines.append(f"scenario '{skipped['scenario']}' (X-Mock-Scenario) skipped: {'; '.join(skipped['why'])}")
        chosen = notes.get("scenario")
        if chosen:
            scenario = self.by_name.get(chosen["name"])
            secret = scenario is not None and _secret_key(scenario.key)
            key = redact(chosen["key"]) if secret and chosen["key"] else chosen["key"]
            lines.append(f"scenario '{chosen['name']}' chosen ({'; '.join(chosen['why'])}); key {key!r}, "
                         f"step {chosen.get('step', '-')}: {chosen.get('outcome', 'answered')}")
            return lines
        considered = notes.get("scenarios_considered")
        if considered is None:
            return lines
        lines.append(f"{considered} scenario(s) could answer {ctx.operation.operation_id}; none matched")
        misses = notes.get("scenario_misses")
        for miss in misses() if callable(misses) else []:
            lines.append(f"  nearest '{miss['scenario']}': {'; '.join(miss['failed'])}")
        return lines

    async def _answer(self, ctx: RequestContext, scenario: Scenario, why: list[str], module: Any,
                      view: RequestView) -> Response | None:
        key = key_of(ctx, scenario.key)
        note: dict[str, Any] = {"name": scenario.name, "why": why, "key": key}
        ctx.notes["scenario"] = note
        limited = self._rate_limit(ctx, scenario, view, note)
        if limited is not None:
            return limited
        if scenario.on_tool_result is not None and view.conversation.pending_tool_results():
            note["step"] = "on_tool_result"
            response = await self._step(ctx, scenario, scenario.on_tool_result, -1, key, module, view, note)
            return self._finish(ctx, scenario, response, note)
        position = self.state.advance(scenario.name, key)
        count = len(scenario.steps)
        if scenario.mode == "once" and position >= count:
            note["outcome"] = f"sequence used up ({count} step(s), mode once): default behaviour"
            return None
        index = position % count if scenario.mode == "cycle" else min(position, count - 1)
        step = scenario.steps[index]
        note["step"] = index
        if step.probability is not None:
            seed = scenario.seed if scenario.seed is not None else ctx.seed
            draw = self.state.chance(scenario.name, key, seed)
            if draw >= step.probability:
                note["outcome"] = f"probability {step.probability}: not this time (draw {draw:.3f}): default behaviour"
                return None
        response = await self._step(ctx, scenario, step, index, key, module, view, note)
        if response is None and note.get("ratelimit_headers") and module is not None:
            # render the default answer here so it can carry the rate-limit headers
            response = module.render(ctx, render.default_reply(ctx, module, view.conversation), view.conversation)
            note["outcome"] = "default reply with rate-limit headers"
        return self._finish(ctx, scenario, response, note)

    def _finish(self, ctx: RequestContext, scenario: Scenario, response: Response | None, note: dict) -> Response | None:
        if response is not None:
            ctx.notes["answered_by"] = f"scenario:{scenario.name}"
            if "ratelimit_headers" in note:
                response.headers.update(note.pop("ratelimit_headers"))
        else:
            note.setdefault("outcome", "default behaviour")
        return response

    async def _step(self, ctx: RequestContext, scenario: Scenario, step: Step, index: int, key: str, module: Any,
                    view: RequestView, note: dict) -> Response | None:
        if step.task is not None:
            plan = {k: v for k, v in step.task.items() if k in TASK_KEYS}
            if isinstance(plan.get("fail_at"), (int, float)) and plan["fail_at"] > 1:
                plan["fail_at"] = plan["fail_at"] / 100
            ctx.notes["task_plan"] = plan
            note["outcome"] = f"task plan {plan}"
        fault = step.fault
        if fault is not None:
            if fault.stall_ms:
                await asyncio.sleep(fault.stall_ms / 1000)
            if fault.reset:
                note["outcome"] = "connection reset"
                return faults.ResetResponse()
            if fault.invalid_json:
                note["outcome"] = "invalid JSON body"
                return faults.broken_json(fault.status or 200)
            if fault.status is not None:
                note["outcome"] = f"fault {fault.status}"
                return faults.error_for(ctx, fault)
        streaming = view.is_stream()
        seed = f"{ctx.seed}:{scenario.name}:{key}:{index}"
        if step.stream is not None and streaming:
            ctx.notes["pacing"] = render.stream_plan(ctx, step.stream, seed)
            note["outcome"] = "default reply with the scenario's stream timing and faults"
        if step.raw is not None:
            note["outcome"] = "raw response"
            return raw_response(ctx, step.raw, view, {"scenario": scenario.name,
                                                      "count": self.state.peek(scenario.name, key)})
        chunk_size = step.stream.chunk_size if step.stream is not None and streaming else None
        if step.reply is None and not chunk_size:
            return None
        if module is None:
            note["outcome"] = (f"skipped: no dialect module renders {ctx.operation.operation_id} yet: "
                               "default behaviour")
            return None
        conversation = view.conversation
        reply_key = ctx.fingerprint(scenario.name, index)
        if step.reply is not None:
            reply = render.build_reply(step.reply, ctx, conversation, reply_key,
                                       {"scenario": scenario.name, "count": self.state.peek(scenario.name, key)},
                                       chunk_size)
        else:
            reply = render.default_reply(ctx, module, conversation)
            render.rechunk(reply, chunk_size or 1)
        note["outcome"] = "scripted reply" if step.reply is not None else "default reply, re-chunked"
        return module.render(ctx, reply, conversation)

    def _rate_limit(self, ctx: RequestContext, scenario: Scenario, view: RequestView, note: dict) -> Response | None:
        rate = scenario.rate_limit
        if rate is None:
            return None
        used = _request_tokens(ctx, view) if rate.tokens_per_minute is not None else 0
        allowed, info = self.state.take(f"{scenario.name}#rate", key_of(ctx, rate.key), used, rate.requests_per_minute,
                                        rate.tokens_per_minute)
        headers = faults.ratelimit_headers(ctx.dialect, info)
        if allowed:
            note["ratelimit_headers"] = headers
            return None
        wait = info["reset_s"]
        headers.update({"retry-after": str(max(1, math.ceil(wait))), "retry-after-ms": str(int(wait * 1000))})
        unit = info["over"]
        limit = info["rpm"] if unit == "requests" else info["tpm"]
        note["outcome"] = f"rate limited: {unit} per minute ({limit})"
        ctx.notes["answered_by"] = f"scenario:{scenario.name}"
        return error_response(ctx.dialect, 429, f"Rate limit reached for {unit} per minute: limit {limit}. "
                                                f"Please try again in {wait:.3f}s.", headers=headers,
                              kind=unit if ctx.dialect == "openai" else None)


def _secret_key(spec: str) -> bool:
    """Whether a scenario's key is a credential (then logs show it redacted)."""
    return spec == "api_key" or spec.removeprefix("header:") in SECRET_HEADERS


def _request_tokens(ctx: RequestContext, view: RequestView) -> int:
    from ..engine import prompt_tokens
    try:
        return prompt_tokens(view.conversation)
    except Exception:  # a body the dialect rejects is counted by its bytes
        return tokens.count(ctx.raw_body.decode("utf-8", errors="replace"))


def nearest(verdicts: list[Verdict]) -> list[dict]:
    """The scenarios closest to matching, with every reason they did not."""
    ranked = sorted(verdicts, key=lambda v: (len(v.failed), -len(v.passed)))
    return [v.summary() for v in ranked[:NEAREST]]


def raw_response(ctx: RequestContext, raw: RawSpec, view: RequestView, extra: dict[str, Any]) -> Response:
    """The exact response a scenario wrote (templated), events sent through the stream plan."""
    conv = view.conversation if "{{" in repr(raw.body) + repr(raw.events) else None
    if raw.events is not None:
        frames = []
        for event in render.template(raw.events, ctx, conv, extra):
            if isinstance(event, str):
                frames.append(event.encode() if event.endswith("\n\n") else (event + "\n\n").encode())
            else:
                frames.append(sse_frame(event.get("data"), event=event.get("event")))
        response = event_stream(ctx, frames, headers=raw.headers or None)
        response.status_code = raw.status
        return response
    body = render.template(raw.body, ctx, conv, extra)
    if isinstance(body, str):
        media = raw.headers.get("content-type") or raw.headers.get("Content-Type") or "text/plain"
        return Response(body, status_code=raw.status, headers=raw.headers or None, media_type=media)
    return JSONResponse(body, status_code=raw.status, headers=raw.headers or None)


def check_directories(directories: list[Path]) -> LoadReport:
    """Load and validate scenario directories (for `mockserver check`)."""
    return load_dirs(directories, DEFAULT_DIR)


__all__ = ["ScenarioEngine", "ScenarioLoadError", "ScenarioError", "check_directories", "DEFAULT_DIR"]


def install(server: "MockServer") -> ScenarioEngine:
    """Load the scenarios, put their selector first and journal every request."""
    from ..journal import journal_of

    engine = ScenarioEngine(server, server.settings.scenario_directories())
    server.services["scenarios"] = engine
    server.selectors.insert(0, engine.select)
    server.observers.append(journal_of(server).observe)
    return engine
