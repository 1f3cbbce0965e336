"""Dispatch: one request through route -> authenticate -> validate -> select -> reply -> render -> pace."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.answers import Answer, StreamAnswer
from ..core.context import RequestContext, header_dict
from ..core.errors import MockError
from ..scenarios import act  # a scenario step's own effects: faults, raw answers, stream plans, scripted replies
from ..state.journal import JournalEntry, request_test_id
from . import pace
from .tape import follow
from .auth import authenticate, extract_key
from .examples import default_example, example_answer, prefer_error
from .logline import request_line, selection_trace
from .route import Router
from .select import EXAMPLE, PROXY, Decision, select
from .validate import decide_stream, read_body, validate_parameters

if TYPE_CHECKING:
    from ..core.services import Services
    from ..dialects.base import Dialect
    from ..spec.model import Example, Operation

log = logging.getLogger("mockserver")
Handler = Callable[[RequestContext], Awaitable[Answer]]


@dataclass(frozen=True, slots=True)
class Binding:
    """An operation with what answers it: its dialects (the first is the default) and its handler."""

    operation: "Operation"
    dialects: tuple["Dialect", ...]
    handler: Handler | None
    converses: bool  # the dialect itself parses, replies and renders (chat-like operations)
    answers_itself: bool  # a handler or a conversing dialect answers (else the documented example does)

    def dialect_for(self, headers: dict[str, str], query: Any) -> "Dialect":
        """The default dialect, or another the client's headers claim (shared operations like GET /v1/models)."""
        for dialect in self.dialects[1:]:
            if dialect.claims(headers, query):
                return dialect
        return self.dialects[0]


class Pipeline:
    """The ASGI app of the spec's operations."""

    def __init__(self, services: "Services", bindings: dict[str, Binding], fallback: "Dialect") -> None:
        self.services = services
        self.bindings = bindings
        self.router = Router([b.operation for b in bindings.values()])
        self.fallback = fallback
        self.journal = services.state.journal
        settings = services.settings
        self.allowed_keys = tuple(settings.api_keys)
        self.proxy = services.proxy
        self.quiet = settings.quiet
        self.debug = settings.log_level == "debug"

    async def __call__(self, scope: dict, receive: Any, send: Any, headers: dict[str, str] | None = None) -> None:
        """Answer one request; `headers` is the scope's `header_dict` when the caller has read it already."""
        started = time.perf_counter()
        ctx = RequestContext(scope, receive, self.services,
                             headers if headers is not None else header_dict(scope["headers"]))
        label = None
        try:
            answer = await self.answer(ctx)
        except MockError as error:
            answer, label = self._error(ctx, error), "error"
        except Exception:  # a bug of ours: say so in the provider's shape, keep serving
            log.exception("unhandled error for %s %s", ctx.method, ctx.path)
            answer, label = self._error(ctx, MockError(500, "The mock server had an internal error while "
                                                            "processing your request (see its log).")), "bug"
        dialect = ctx.dialect or self.fallback
        headers = answer.headers
        for name in dialect.request_id_names:
            if name not in headers:
                headers[name] = ctx.request_id
        decision = ctx.decision
        if decision is not None and decision.headers:
            for name, value in decision.headers.items():
                headers.setdefault(name, value)
        elapsed = (time.perf_counter() - started) * 1000
        self._record(ctx, answer, label or (decision.label if decision else "error"), elapsed, started)
        ctx.decision = None  # the journal keeps it, and its lazy misses keep ctx: no cycle for the collector to find
        await answer(scope, receive, send)

    async def answer(self, ctx: RequestContext) -> Answer:
        """Route, authenticate, validate, select, then answer as the decision says."""
        match = self.router.match(ctx.method, ctx.path)
        if match is None or match.operation is None:
            ctx.dialect = self._dialect_for_path(ctx.path)
            ctx.request_id = ctx.dialect.new_request_id()
            if self.proxy is not None:  # not in the spec: the upstream may still know it
                return await self._forward(ctx, None, body_read=False)
            if match is None:
                raise MockError(404, f"Invalid URL ({ctx.method} {ctx.path})", code="")
            allowed = ", ".join(match.allowed)
            raise MockError(405, f"Method {ctx.method} is not allowed on {ctx.path}; allowed: {allowed}.",
                            code="", headers={"allow": allowed})
        binding = self.bindings[match.operation.operation_id]
        ctx.operation = binding.operation
        ctx.path_params = match.path_params
        ctx.dialect = dialect = binding.dialect_for(ctx.headers, ctx.query) if len(binding.dialects) > 1 \
            else binding.dialects[0]
        ctx.request_id = dialect.new_request_id()
        try:
            authenticate(ctx, self.allowed_keys)
            await read_body(ctx)
            validate_parameters(ctx)
            ctx.stream = decide_stream(ctx)
            if binding.converses and dialect.prepares:
                await dialect.prepare(ctx)
        except MockError as error:
            gated = self.allowed_keys and ctx.api_key not in self.allowed_keys  # --api-key is the mock's own gate
            if self.proxy is None or error.status == 413 or gated:
                raise
            # The upstream is the judge of what it accepts; the journal keeps what the mock would have said.
            authenticated = ctx.operation.public or bool(ctx.api_key)  # else the body was never read
            return await self._forward(ctx, error, body_read=authenticated and bool(ctx.operation.body_validators))
        decision = ctx.decision = await select(ctx, binding.answers_itself)
        return await answer_for(ctx, decision, binding)

    async def _forward(self, ctx: RequestContext, rejected: MockError | None, body_read: bool) -> Answer:
        """Forward a request the mock would not answer itself (unknown path, or rejected) to the upstream."""
        decision = ctx.decision = Decision(PROXY, "proxy")
        return await self.proxy.forward(ctx, decision, body_read=body_read, rejected=rejected)

    def _error(self, ctx: RequestContext, error: MockError) -> Answer:
        dialect = ctx.dialect or self._dialect_for_path(ctx.path)
        if not ctx.request_id:
            ctx.request_id = dialect.new_request_id()
        return dialect.error_answer(error, ctx.request_id)

    def _dialect_for_path(self, path: str) -> "Dialect":
        nearest = self.router.nearest(path)
        return self.bindings[nearest.operation_id].dialects[0] if nearest else self.fallback

    def _record(self, ctx: RequestContext, answer: Answer, label: str, elapsed: float, started: float) -> None:
        decision = ctx.decision
        query_string = ctx.scope.get("query_string", b"")
        key = ctx.api_key if ctx.api_key is not None else extract_key(ctx.headers, query_string)
        body = ctx.body
        form = body if body is not None and not ctx.json_body else None  # a form's fields (JSON shows as sent)
        operation = ctx.operation
        # Positional: this runs for every request, and matching 19 keyword arguments is not free.
        entry = JournalEntry(ctx.method, ctx.path, query_string, operation.operation_id if operation else None,
                             ctx.headers, ctx.raw_body, form, answer.status_code, label, elapsed, ctx.request_id,
                             decision and decision.scenario, decision and decision.skipped,
                             decision and decision.misses, decision and decision.proxy,
                             request_test_id(ctx.headers, key), answer, started, ctx.stream_plan)
        self.journal.record(entry)
        if entry.tape is not None:  # a paced stream: note each frame's send time as it goes
            answer.frames = follow(answer.frames, entry, self.journal)
        if not self.quiet:
            log.info("%s", request_line(ctx, answer, label, elapsed))
            if self.debug:
                for line in selection_trace(ctx, label):
                    log.debug("  %s", line)


async def answer_for(ctx: RequestContext, decision: Decision, binding: Binding) -> Answer:
    """Carry out a decision: a scenario step's fault or raw answer, a Prefer answer, or the default path."""
    step = decision.step
    if step is not None or decision.error is not None:
        done = await act.before_reply(ctx, decision)
        if done is not None:
            return done
    elif decision.source == PROXY:
        return await ctx.services.proxy.forward(ctx, decision, body_read=bool(ctx.operation.body_validators))
    if decision.example is not None:
        return example_answer(ctx, decision.example)
    if decision.status is not None:
        if decision.status >= 400:
            return ctx.dialect.error_answer(prefer_error(ctx, decision.status), ctx.request_id)
        return Answer(status_code=decision.status)
    if decision.source == EXAMPLE or not binding.answers_itself:
        return default_example(ctx)
    if step is not None and step.reply is not None and not binding.converses:
        decision.outcome(f"skipped: {ctx.operation.operation_id} has no conversation to script: default behaviour")
    if binding.converses:
        answer = await converse(ctx, decision)
    else:
        answer = await binding.handler(ctx)
    if ctx.stream_plan is not None and isinstance(answer, StreamAnswer) and isinstance(answer.frames, list) \
            and not ctx.stream_plan.is_plain():
        answer.frames = pace.paced(answer.frames, ctx.stream_plan)
    return answer


async def converse(ctx: RequestContext, decision: Decision) -> Answer:
    """The chat path: the conversation, a reply (scripted or default), the dialect's bookkeeping, its rendering."""
    dialect = ctx.dialect
    if isinstance(ctx.prepared, MockError):  # what `prepare` could not load, needed from here on
        raise ctx.prepared
    conv = ctx.conversation
    reply = await act.scripted_reply(ctx, decision, conv) if decision.step is not None else None
    scripted = reply is not None
    if reply is None:
        reply = dialect.default_reply(ctx, conv)
        if decision.step is not None:
            act.rechunk_default(ctx, decision, reply)
    if dialect.finishes:
        await dialect.finish_reply(ctx, reply, conv)
    if scripted:
        act.apply_usage(decision, reply)
    return await dialect.render(ctx, reply, conv)
