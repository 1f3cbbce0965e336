"""Run the plan: send each request (metered, paced, 429s waited out), check each answer, follow each job.

Every request goes through one `requests.Session` whose `send` enforces the budget and the rate, so the
requests Schemathesis' own checks send and the redirects of an asset download are counted too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import orjson
import requests

from . import jobs
from .checks import ContractFailure, bind, selected
from .results import GENERATION_CHECK, STREAMS_CHECK, TRANSPORT_CHECK, OperationResult
from .validate import is_json, media_type
from .violation import Violation

if TYPE_CHECKING:
    from schemathesis import Case, Response
    from schemathesis.schemas import BaseSchema

    from ..spec import Spec
    from .plan import OperationPlan, Plan, Planned
    from .report import Console, Redactor

STATEFUL = "stateful sequences"
MAX_RETRY_WAIT = 60.0     # a 429 asking for longer is reported as it is
MAX_RETRIES = 3           # 429s waited out per request
ASSET_BYTES = 1 << 16     # enough of an asset to see what it is


class BudgetExhausted(Exception):
    """The run has sent as many requests as it may."""


@dataclass
class Meter:
    """The budget and the pace every request of the run goes through."""

    budget: int | None
    rate: float | None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    sent: int = 0
    waited: float = 0.0
    _next: float | None = None

    def take(self) -> None:
        """Account for one request about to be sent: refuse past the budget, wait for the rate."""
        if self.budget is not None and self.sent >= self.budget:
            raise BudgetExhausted(f"the budget of {self.budget} request(s) is spent")
        if self.rate:
            now = self.clock()
            if self._next is not None and self._next > now:
                self.pause(self._next - now)
                now = self._next
            self._next = now + 1.0 / self.rate
        self.sent += 1

    @property
    def spent(self) -> bool:
        """Whether the budget allows no more requests."""
        return self.budget is not None and self.sent >= self.budget

    def pause(self, seconds: float) -> None:
        """Wait (a rate slot, a 429's retry-after, a job's poll interval)."""
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)


class MeteredSession(requests.Session):
    """A session that takes every request it sends from the meter."""

    def __init__(self, meter: Meter) -> None:
        super().__init__()
        self.meter = meter

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.meter.take()
        return super().send(request, **kwargs)


@dataclass
class PendingJob:
    """A submitted job being followed: where to poll it and what the polls showed."""

    job: "jobs.JobSpec"
    result: OperationResult       # the submit operation's: job findings are reported there
    submit_curl: str
    case: "Case"                  # the poll request
    fetch_result: OperationResult
    allowed: list[Any] | None     # the statuses the fetch schema allows
    max_polls: int
    polls: int = 0
    status: Any = None
    answer: Any = None
    failed: bool = False


@dataclass
class RunOptions:
    """How to run: where, with which headers, how hard."""

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    stateful: bool = False
    stateful_steps: int = 6
    operations: tuple[str, ...] = ()  # the operations asked for (none: all)
    max_examples: int = 3
    seed: int = 0
    job_timeout: float = 300.0
    poll_interval: float = 2.0


class Runner:
    """Sends the planned requests and records what the checks say about each answer."""

    def __init__(self, spec: "Spec", schema: "BaseSchema", options: RunOptions, meter: Meter, console: "Console",
                 redactor: "Redactor") -> None:
        self.spec = spec
        self.schema = schema
        self.options = options
        self.meter = meter
        self.console = console
        self.redactor = redactor
        self.session = MeteredSession(meter)
        self.checks = selected()
        self.results: dict[str, OperationResult] = {}
        self.pending: list[PendingJob] = []
        self.stopped: str | None = None
        self._results_of_last_validation: list[Any] = []
        self._by_label = {op.method.upper() + " " + op.path: op.operation_id for op in spec.operations}
        bind(schema, spec)
        schema.config.output.sanitization.update(enabled=False)  # our redactor puts a placeholder in its place

        self._listen(schema)

    def _listen(self, schema: "BaseSchema") -> None:
        """Keep each check's outcome from Schemathesis' hook that runs after its checks on an answer."""
        def after_validate(context: Any, case: "Case", response: "Response", results: list[Any]) -> None:
            self._results_of_last_validation = list(results)

        schema.hook(after_validate)

    # ------------------------------------------------------------------ the run

    def run(self, plan: "Plan") -> list[OperationResult]:
        """Every operation in turn, then (when asked) Schemathesis' stateful sequences."""
        for op_plan in plan.operations:
            result = self._result(op_plan.operation_id)
            result.planned += op_plan.cost
            result.dropped = op_plan.dropped
            for problem in op_plan.problems:
                result.error(GENERATION_CHECK, problem)
        for op_plan in plan.operations:
            if self.stopped:
                self._result(op_plan.operation_id).not_run += len(op_plan.planned)
                continue
            self._run_operation(op_plan)
        if not self.stopped:
            try:
                self._poll_jobs()
            except BudgetExhausted as exc:
                self.stopped = str(exc)
        if self.options.stateful and not self.stopped:
            self._stateful()
        return list(self.results.values())

    def _result(self, operation_id: str) -> OperationResult:
        if operation_id not in self.results:
            op = next(o for o in self.spec.operations if o.operation_id == operation_id)
            self.results[operation_id] = OperationResult(operation_id, f"{op.method} {op.path}")
        return self.results[operation_id]

    def _run_operation(self, op_plan: "OperationPlan") -> None:
        result = self._result(op_plan.operation_id)
        self.console.start(op_plan.operation_id, result.label)
        answers: list[tuple[Planned, Response]] = []
        for position, planned in enumerate(op_plan.planned):
            try:
                response = self.exchange(planned.case, result)
            except BudgetExhausted as exc:
                self.stopped = str(exc)
                result.not_run += len(op_plan.planned) - position
                break
            if response is None:
                continue
            answers.append((planned, response))
            if planned.kind == "job" and 200 <= response.status_code < 300:
                self._start_job(op_plan, planned, response, result)
        if op_plan.stream_switch is not None:
            self._streams_both_ways(op_plan, answers, result)
        self.console.done(result)

    # ------------------------------------------------------------------ one exchange

    def exchange(self, case: "Case", result: OperationResult | None = None) -> "Response | None":
        """Send a case, wait out 429s that say when to retry, check the answer; None when nothing came back."""
        result = result or self._result(self._operation_id(case))
        curl = self.curl(case)
        try:
            response = self.send(case, result)
        except BudgetExhausted:
            raise
        except requests.RequestException as exc:
            result.error(TRANSPORT_CHECK, f"{type(exc).__name__}: {exc} ({self.redactor.curl(curl)})")
            self.console.tick("E")
            return None
        self.check(case, response, result, curl)
        return response

    def send(self, case: "Case", result: OperationResult) -> "Response":
        """One request, repeated while the server answers 429 with a retry time it is worth waiting for."""
        for attempt in range(MAX_RETRIES + 1):
            result.sent += 1
            response = case.call(base_url=self.options.base_url, session=self.session,
                                 headers=dict(self.options.headers), timeout=self.options.timeout)
            delay = retry_after(response.headers) if response.status_code == 429 else None
            if delay is None or delay > MAX_RETRY_WAIT or attempt == MAX_RETRIES:
                return response
            self.console.tick("w")
            self.meter.pause(delay)
        return response

    def check(self, case: "Case", response: "Response", result: OperationResult, curl: str) -> None:
        """Run the selected checks on one answer; record each check that ran and each violation."""
        from schemathesis.core.failures import Failure, FailureGroup

        self._results_of_last_validation = []
        raised: list[Failure] = []
        try:
            case.validate_response(response, checks=self.checks, headers=dict(self.options.headers),
                                   transport_kwargs=self._transport_kwargs())
        except FailureGroup as group:
            raised = list(group.exceptions)
        except (Failure, AssertionError):
            pass
        except BudgetExhausted:
            raise
        except Exception as exc:  # a check that broke on this answer: say so, keep going
            result.error("checks", f"{type(exc).__name__}: {_first_line(str(exc))} ({curl})")
        outcomes = [(o.name, o.failure) for o in self._results_of_last_validation]
        if raised and not any(failure for _, failure in outcomes):  # no hook report: name them by their class
            outcomes = [((type(f).checks or (type(f).__name__,))[0], f) for f in raised]
        failed = False
        for name, failure in outcomes:
            result.ran(name)
            if failure is not None:
                failed = True
                for violation in from_failure(name, failure):
                    result.violate(violation, curl, excerpt(response))
        self.console.tick("F" if failed else ".")

    def curl(self, case: "Case") -> str:
        """A curl that reproduces the case (secrets as the placeholder)."""
        try:
            command = case.as_curl_command(headers=self.redactor.display(self.options.headers),
                                           base_url=self.options.base_url)
        except Exception:  # a case whose path or body cannot be rendered as a command
            return ""
        return self.redactor.curl(command)

    def _transport_kwargs(self) -> dict[str, Any]:
        return {"base_url": self.options.base_url, "session": self.session, "headers": dict(self.options.headers),
                "timeout": self.options.timeout}

    def _operation_id(self, case: "Case") -> str:
        return case.operation.definition.raw.get("operationId") or self._by_label[case.operation.label]

    # ------------------------------------------------------------------ streams both ways

    def _streams_both_ways(self, op_plan: "OperationPlan", answers: list[tuple["Planned", "Response"]],
                           result: OperationResult) -> None:
        """The request that asks for the stream gets one; the others get a plain answer."""
        if not any(p.kind == "stream" for p in op_plan.planned):
            return  # the budget left it out (the plan said so)
        result.ran(STREAMS_CHECK)
        for planned, response in answers:
            streamed = media_type(_headers(response)) == "text/event-stream"
            ok = 200 <= response.status_code < 300
            if planned.kind == "stream" and not (ok and streamed):
                got = f"HTTP {response.status_code} {media_type(_headers(response)) or 'without a content type'}"
                result.violate(Violation(STREAMS_CHECK, "content-type", f"a 2xx text/event-stream answer to "
                                         f"{planned.note}", got), self.curl(planned.case))
            if planned.kind in ("no-stream", "example") and ok and streamed and op_plan.spec_op.stream_param:
                result.violate(Violation(STREAMS_CHECK, "content-type", "a plain answer to a request without "
                                         f"{op_plan.spec_op.stream_param}", "text/event-stream"),
                               self.curl(planned.case))
        if not any(p.kind == "stream" for p, _ in answers):
            result.error(STREAMS_CHECK, "the request that asks for the stream got no answer")

    # ------------------------------------------------------------------ async jobs

    def _start_job(self, op_plan: "OperationPlan", planned: "Planned", response: "Response",
                   result: OperationResult) -> None:
        """Read the job id from a submit answer; the job is polled with the others once every operation ran."""
        job = op_plan.job
        result.ran(jobs.JOB_CHECK)
        curl = self.curl(planned.case)
        job_id, problems = jobs.job_id(job, _json(response))
        for violation in problems:
            result.violate(violation, curl)
        if job_id is None:
            return
        fetch_op = next(op for op in self.spec.operations if op.operation_id == job.poll)
        self.pending.append(PendingJob(job, result, curl, self._poll_case(fetch_op, job, job_id),
                                       self._result(fetch_op.operation_id),
                                       jobs.status_enum(self.spec, fetch_op, job.status), self._job_polls(op_plan)))

    def _poll_jobs(self) -> None:
        """Poll every started job, all in one round at a time, until each ends, fails a check or runs out of time."""
        if not self.pending:
            return
        self.console.start(f"async jobs ({len(self.pending)})", "")
        deadline = self.meter.clock() + self.options.job_timeout
        interval = self.options.poll_interval
        active = list(self.pending)
        while active:
            for pending in list(active):
                if self._poll(pending):
                    active.remove(pending)
            if not active:
                break
            if self.meter.clock() + interval > deadline:
                break
            self.meter.pause(interval)
            interval = min(interval * 1.5, 15.0)
        for pending in self.pending:
            self._finish(pending)
        failed = sum(1 for p in self.pending if p.failed)
        self.console.write(f"  {len(self.pending)} job(s)  " + (f"FAILED ({failed})" if failed else "ok"))

    def _poll(self, pending: "PendingJob") -> bool:
        """One poll; whether the job needs no more."""
        pending.polls += 1
        got = self.exchange(pending.case, pending.fetch_result)
        if got is None:
            pending.failed = True
            return True
        pending.answer = _json(got)
        pending.status, problems = jobs.status_violations(pending.job, pending.allowed, pending.answer, pending.polls)
        for violation in problems:
            pending.failed = True
            pending.result.violate(violation, self.curl(pending.case))
        return bool(problems) or pending.status in pending.job.terminal or pending.polls >= pending.max_polls

    def _finish(self, pending: "PendingJob") -> None:
        job = pending.job
        if pending.failed:
            return
        if pending.status not in job.terminal:
            pending.failed = True
            expected = (f"a terminal status ({', '.join(job.terminal)}) within {pending.max_polls} poll(s) and "
                        f"{self.options.job_timeout:g} s")
            pending.result.violate(Violation(jobs.JOB_CHECK, jobs.field(job.status), expected, str(pending.status),
                                             "job"), pending.submit_curl)
        elif pending.status in job.done:
            before = len(pending.result.findings)
            self._check_assets(job, pending.answer, pending.result)
            pending.failed = len(pending.result.findings) > before

    def _job_polls(self, op_plan: "OperationPlan") -> int:
        from .jobs import MAX_ASSETS

        planned = next(p for p in op_plan.planned if p.kind == "job")
        return max(1, planned.cost - 1 - MAX_ASSETS)

    def _poll_case(self, fetch_op: Any, job: "jobs.JobSpec", job_id: str) -> "Case":
        operation = self.schema.find_operation_by_label(f"{fetch_op.method.upper()} {fetch_op.path}")
        location = next((p.location for p in fetch_op.parameters if p.name == job.param), "path")
        values = {job.param: job_id}
        return self.schema.make_case(operation=operation, path_parameters=values if location == "path" else {},
                                     query=values if location == "query" else {})

    def _check_assets(self, job: "jobs.JobSpec", answer: Any, result: OperationResult) -> None:
        for violation in jobs.missing_assets(job, answer):
            result.violate(violation, "")
        for pointer, url, announced in jobs.asset_urls(job, answer):
            result.sent += 1
            try:  # no key: an asset link must work as given (and the key must not travel to a CDN)
                with self.session.get(url, timeout=self.options.timeout, stream=True, allow_redirects=True) as got:
                    head = b"".join(_limited(got, ASSET_BYTES))
                    found = jobs.asset_violations(pointer, url, announced, got.status_code,
                                                  got.headers.get("content-type"), head)
            except requests.RequestException as exc:
                found = [Violation(jobs.JOB_CHECK, jobs.field(pointer), "a fetchable asset URL",
                                   f"{type(exc).__name__}: {exc}", f"asset {url}")]
            for violation in found:
                result.violate(violation, f"curl -sS -o /dev/null -w '%{{http_code}} %{{content_type}}' '{url}'")

    # ------------------------------------------------------------------ stateful

    def _stateful(self) -> None:
        """Schemathesis' state machine over the links it infers, every call metered and every answer checked."""
        from hypothesis import HealthCheck, Phase, settings

        runner = self
        schema = self.schema.include(operation_id=list(self.options.operations)) if self.options.operations \
            else self.schema
        bind(schema, self.spec)
        if schema is not self.schema:
            self._listen(schema)
        base = schema.as_state_machine()

        class Machine(base):  # type: ignore[misc, valid-type]
            def call(self, case: "Case", **kwargs: Any) -> "Response":
                response = runner.send(case, runner._result(runner._operation_id(case)))
                return response

            def validate_response(self, response: "Response", case: "Case", additional_checks: Any = None,
                                  **kwargs: Any) -> None:
                runner.check(case, response, runner._result(runner._operation_id(case)), runner.curl(case))

        self.console.write("  stateful sequences ", end="")
        try:
            Machine.run(settings=settings(max_examples=self.options.max_examples, database=None, deadline=None,
                                          stateful_step_count=self.options.stateful_steps,
                                          phases=[Phase.generate], suppress_health_check=list(HealthCheck),
                                          derandomize=True))
        except Exception as exc:  # the budget ran out mid-sequence (Hypothesis may wrap that), or the machine broke
            if self.meter.spent:
                self.stopped = f"the budget of {self.meter.budget} request(s) is spent"
            else:
                stateful = self.results.setdefault(STATEFUL, OperationResult(STATEFUL, "links between operations"))
                stateful.error(STATEFUL, f"{type(exc).__name__}: {_first_line(str(exc))}")
        self.console.write("")


def retry_after(headers: dict[str, Any]) -> float | None:
    """Seconds a 429 asks to wait: `retry-after-ms`, else `retry-after` as seconds or an HTTP date."""
    lowered = {k.lower(): (v[0] if isinstance(v, list) else v) for k, v in headers.items()}
    if lowered.get("retry-after-ms"):
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def from_failure(check: str, failure: Any) -> list[Violation]:
    """A Schemathesis failure as violations: the contract's own carry theirs; the built-in ones are read here."""
    if isinstance(failure, ContractFailure):
        return failure.violations
    status = getattr(failure, "status_code", None)
    kind = type(failure).__name__
    if kind == "ServerError":
        return [Violation(check, "status", "no server error", f"HTTP {status}")]
    if kind == "UndefinedStatusCode":
        documented = ", ".join(map(str, failure.defined_status_codes))
        return [Violation(check, "status", f"one of {documented}", str(status))]
    if kind == "UndefinedContentType":
        return [Violation(check, "content-type", "one of " + ", ".join(failure.defined_content_types),
                          failure.content_type)]
    if kind == "MissingContentType":
        return [Violation(check, "content-type", "one of " + ", ".join(failure.media_types), "none")]
    if kind == "MissingHeaders":
        return [Violation(check, "headers", ", ".join(failure.missing_headers), "missing")]
    if kind == "AcceptedNegativeData":
        allowed = ", ".join(map(str, failure.expected_statuses or ["4xx"]))
        return [Violation(check, "status", f"a rejection ({allowed}) of a request that breaks the schema: "
                          f"{_first_line(failure.message)}", str(status))]
    message = _first_line(failure.message) if failure.message else ""
    return [Violation(check, "", failure.title, message or "see the request")]


def excerpt(response: "Response", limit: int = 240) -> str:
    """`HTTP 400 application/json: {"error": ...` for a report."""
    text = (response.content or b"").decode("utf-8", "replace").replace("\r", "").replace("\n", "\\n")
    text = text if len(text) <= limit else text[:limit - 3] + "..."
    kind = media_type(_headers(response)) or "no content type"
    return f"HTTP {response.status_code} {kind}: {text}" if text else f"HTTP {response.status_code} {kind}"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text)


def _headers(response: "Response") -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in response.headers.items()}


def _json(response: "Response") -> Any:
    if not is_json(media_type(_headers(response))):
        return None
    try:
        return orjson.loads(response.content or b"")
    except orjson.JSONDecodeError:
        return None


def _limited(response: requests.Response, limit: int) -> list[bytes]:
    chunks, size = [], 0
    for chunk in response.iter_content(8192):
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return chunks
