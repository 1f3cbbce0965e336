"""Forward a request to the upstream and send its answer on unchanged: streams chunk by chunk, JSON checked first."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ..core.answers import RESET, Answer
from ..pipeline.validate import read_raw_body
from . import checks, failures
from .answer import UpstreamAnswer
from .headers import recordable, to_client, to_upstream
from .record import Recorder
from .recording import Answer as Recorded
from .redact import Redactions
from .tap import Tap

if TYPE_CHECKING:
    from ..contract import Violation
    from ..core.context import RequestContext
    from ..core.errors import MockError
    from ..core.services import Services
    from ..pipeline.select import Decision

log = logging.getLogger("mockserver.proxy")
CONNECT_TIMEOUT = 10.0


def is_json(content_type: str) -> bool:
    """A JSON answer (read whole, so it can be checked before it is sent)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class Proxy:
    """The upstream (`--upstream`), the client that reaches it, and the recorder (`--record`)."""

    def __init__(self, services: "Services") -> None:
        settings = services.settings
        self.services = services
        self.upstream = settings.upstream.rstrip("/")
        self.timeout = settings.upstream_timeout
        self.redactions = Redactions(settings.redact)
        self.recorder: Recorder | None = None
        if settings.record_dir is not None:
            Path(settings.record_dir).mkdir(parents=True, exist_ok=True)
            self.recorder = Recorder(Path(settings.record_dir), self.upstream, self.redactions)
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """One connection pool per server (made on first use, in the server's event loop)."""
        if self._client is None:
            timeout = httpx.Timeout(self.timeout, connect=min(CONNECT_TIMEOUT, self.timeout))
            self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                             limits=httpx.Limits(max_connections=None, max_keepalive_connections=64))
            self._client.headers = httpx.Headers()  # the client's headers only, none of httpx's defaults
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def forward(self, ctx: "RequestContext", decision: "Decision", *, body_read: bool,
                      rejected: "MockError | None" = None) -> Answer:
        """The upstream's answer to this request, as received (or a provider-shaped 502 / 504)."""
        account: dict[str, Any] = {"upstream": self.upstream + ctx.path}
        decision.proxy = account
        if rejected is not None:
            account["request_rejected"] = {"status": rejected.status, "message": rejected.message}
        if not body_read:
            ctx.raw_body = await read_raw_body(ctx)
        raw_path = ctx.scope.get("raw_path") or ctx.path.encode()
        query = ctx.scope.get("query_string", b"")
        url = self.upstream + raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        started = time.perf_counter()
        client = self.client
        request = client.build_request(ctx.method, url, headers=to_upstream(ctx.scope["headers"]),
                                       content=ctx.raw_body or None)
        try:
            response = await client.send(request, stream=True)
        except httpx.HTTPError as exc:
            return self._failed(ctx, account, failures.before_answer(exc, self.upstream, self.timeout))
        account["status"] = response.status_code
        for name in ctx.dialect.request_id_names:  # the upstream's request id is this request's id
            if name in response.headers:
                ctx.request_id = response.headers[name]
                break
        content_type = response.headers.get("content-type", "")
        events = "text/event-stream" in content_type.lower()
        whole = not events and is_json(content_type)
        tap = Tap(response.headers.get("content-encoding", ""), events=events,
                  keep_body=whole or self.recorder is not None, started=started)
        findings = checks.AnswerChecks(ctx, response.status_code, dict(response.headers))
        if not findings.checked:
            account["unchecked"] = "the spec has no operation for this path"
        if whole:
            return await self._buffered(ctx, decision, response, tap, findings)
        answer = UpstreamAnswer(response.status_code, to_client(response.headers.raw, keep_length=True),
                                chunks=self._relay(ctx, decision, response, tap, findings))
        if findings.found:  # the status or content type: known before the body (events are checked as they pass)
            answer.headers["x-mock-violations"] = checks.summary(findings.found)
        return answer

    async def _buffered(self, ctx: "RequestContext", decision: "Decision", response: httpx.Response, tap: Tap,
                        findings: checks.AnswerChecks) -> Answer:
        """A JSON answer: read whole, checked, recorded, then sent with its findings in `x-mock-violations`."""
        body = bytearray()
        try:
            async for chunk in response.aiter_raw():
                tap.feed(chunk)
                body += chunk
        except httpx.HTTPError as exc:
            return self._failed(ctx, decision.proxy, failures.mid_answer(exc, self.upstream, self.timeout))
        finally:
            await response.aclose()
        answer = UpstreamAnswer(response.status_code, to_client(response.headers.raw, keep_length=False),
                                body=bytes(body))
        found = findings.body(bytes(tap.body)) if tap.readable else findings.found
        if found:
            answer.headers["x-mock-violations"] = checks.summary(found)
        await self._done(ctx, decision, response, tap, found)
        return answer

    async def _relay(self, ctx: "RequestContext", decision: "Decision", response: httpx.Response, tap: Tap,
                     findings: checks.AnswerChecks) -> AsyncIterator[Any]:
        """The upstream's chunks as they arrive; a break-off becomes the dialect's mid-stream error (or a reset)."""
        broken = None
        try:
            async for chunk in response.aiter_raw():
                for frame in tap.feed(chunk):
                    findings.event(frame)
                yield chunk
        except httpx.HTTPError as exc:
            broken = failures.mid_answer(exc, self.upstream, self.timeout)
        finally:
            await response.aclose()
        if broken is not None:
            decision.proxy["error"] = broken.message
            log.warning("proxy: %s %s: %s", ctx.method, ctx.path, broken.message)
            identity = response.headers.get("content-encoding", "identity") in ("", "identity")
            if tap.events and identity:
                yield ctx.dialect.stream_error(ctx, broken, [f.raw for f in tap.frames], len(tap.frames))
            else:
                yield RESET
            return
        for frame in tap.finish():
            findings.event(frame)
        await self._done(ctx, decision, response, tap, findings.finish() if tap.readable else findings.found)

    def _failed(self, ctx: "RequestContext", account: dict[str, Any], error: "MockError") -> Answer:
        account["error"] = error.message
        log.warning("proxy: %s %s: %s", ctx.method, ctx.path, error.message)
        return ctx.dialect.error_answer(error, ctx.request_id)

    async def _done(self, ctx: "RequestContext", decision: "Decision", response: httpx.Response, tap: Tap,
                    found: list["Violation"]) -> None:
        """After the whole answer passed: its findings to the journal and the log, then its recording."""
        account = decision.proxy
        account["elapsed_ms"] = round((time.perf_counter() - tap.started) * 1000, 2)
        if found:
            account["violations"] = [checks.to_json(v) for v in found]
            log.warning("proxy: %s %s: the upstream's answer breaks the spec (%d): %s", ctx.method, ctx.path,
                        len(found), "; ".join(f"{v.check} {v}" for v in found[:5]))
        if not tap.readable:
            account["unchecked"] = tap.failure or ("the body is larger than the proxy keeps" if tap.overflow else
                                                   "content-encoding " + response.headers.get("content-encoding", ""))
        if self.recorder is None:
            return
        reason = self._unrecordable(ctx, account, tap)
        if reason is not None:
            account["not_recorded"] = reason
            return
        recorded = Recorded(response.status_code, recordable(response.headers.raw, self.redactions.headers),
                            response.headers.get("content-type", ""), bytes(tap.body),
                            tap.frames if tap.events else None)
        try:
            path = await self.recorder.record(ctx, recorded, self.client, self.services.scenarios)
        except Exception as exc:  # a recording that fails must not fail the answer the client already has
            log.exception("recording %s %s failed", ctx.method, ctx.path)
            account["not_recorded"] = f"recording failed: {exc}"
            return
        account["recorded"] = str(path)

    @staticmethod
    def _unrecordable(ctx: "RequestContext", account: dict[str, Any], tap: Tap) -> str | None:
        """Why an exchange cannot become a scenario that would answer it again (None: it can)."""
        if ctx.operation is None:
            return "the spec has no operation for this path, and scenarios answer only the spec's operations"
        rejected = account.get("request_rejected")
        if rejected is not None:
            return (f"the mock answers this request itself before any scenario ({rejected['status']}: "
                    f"{rejected['message']})")
        if not tap.readable:
            return account.get("unchecked") or "the body could not be read"
        return None
