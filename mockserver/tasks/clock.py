"""The job clock: a job's phase and progress are a pure function of its plan, its age and its polls."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, replace
from typing import Any, Mapping

DEFAULT_DURATION_MS = 6000.0
SUBMITTED_SHARE = 0.1  # first tenth of the run: just submitted
QUEUED_SHARE = 0.2  # until a fifth: queued; then running with progress 0..100 %
MAX_DURATION_MS = 24 * 3600 * 1000.0
DEFAULT_FAIL_REASON = "The job failed (simulated by the mock)."

PHASES = ("submitted", "queued", "running", "succeeded", "failed", "cancelled")
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})

_MARKER = re.compile(r"\[mock:(fail|duration|polls)(?:=([^\]]*))?\]", re.IGNORECASE)


@dataclass(frozen=True)
class JobPlan:
    """How a job runs: for `duration_ms` (scaled by --task-speed) or for `polls` fetches; maybe failing."""

    duration_ms: float | None = None
    polls: int | None = None
    fail_at: float | None = None  # running progress (0..1) at which the job fails
    fail_reason: str | None = None
    fail_code: str | None = None

    def with_defaults(self, default_ms: float, speed: float) -> "JobPlan":
        """The plan with the server's default duration, scaled by its speed, filled in."""
        if self.polls is not None:
            return self
        duration = default_ms if self.duration_ms is None else self.duration_ms
        return replace(self, duration_ms=max(0.0, duration * max(0.0, speed)))


@dataclass(frozen=True)
class Tick:
    """Where a job stands at one instant."""

    phase: str
    progress: float  # 0..1 of the running phase (frozen where a job failed or was cancelled)
    started_at: float | None  # epoch seconds the job started running, if it has
    finished_at: float | None  # epoch seconds it reached a terminal phase, if it has

    @property
    def done(self) -> bool:
        """Whether the job reached a terminal phase."""
        return self.phase in TERMINAL

    @property
    def percent(self) -> int:
        """Progress as an integer percent."""
        return 100 if self.phase == "succeeded" else int(round(self.progress * 100))


def fraction(plan: JobPlan, submitted_at: float, polls: int, now: float) -> float:
    """How far along the whole run the job is, 0..1."""
    if plan.polls is not None:
        return 1.0 if plan.polls <= 0 else min(1.0, polls / plan.polls)
    duration = (plan.duration_ms or 0.0) / 1000.0
    if duration <= 0:
        return 1.0
    return min(1.0, max(0.0, (now - submitted_at) / duration))


def _at(plan: JobPlan, submitted_at: float, share: float) -> float | None:
    """The epoch second a time-based run reaches `share` of itself (None for poll-based plans)."""
    if plan.polls is not None:
        return None
    return submitted_at + (plan.duration_ms or 0.0) / 1000.0 * share


def tick(plan: JobPlan, submitted_at: float, polls: int, now: float | None = None,
         cancelled_at: float | None = None) -> Tick:
    """The job's phase at `now` (defaults to the current time)."""
    now = time.time() if now is None else now
    f = fraction(plan, submitted_at, polls, now)
    running = max(0.0, (f - QUEUED_SHARE) / (1 - QUEUED_SHARE)) if f < 1 else 1.0
    started = _at(plan, submitted_at, QUEUED_SHARE) if f >= QUEUED_SHARE else None
    if plan.fail_at is not None and f >= QUEUED_SHARE and running >= plan.fail_at:
        failed_at = _at(plan, submitted_at, QUEUED_SHARE + plan.fail_at * (1 - QUEUED_SHARE))
        if cancelled_at is None or (failed_at is not None and failed_at <= cancelled_at):
            return Tick("failed", plan.fail_at, started or failed_at, failed_at if failed_at is not None else now)
    if cancelled_at is not None and f < 1:
        return Tick("cancelled", running if f >= QUEUED_SHARE else 0.0, started, cancelled_at)
    if f >= 1:
        return Tick("succeeded", 1.0, started or submitted_at, _at(plan, submitted_at, 1.0) or now)
    if f >= QUEUED_SHARE:
        return Tick("running", min(running, 0.99), started, None)
    return Tick("queued" if f >= SUBMITTED_SHARE else "submitted", 0.0, None, None)


def polls_to_end(plan: JobPlan, submitted_at: float, cancelled_at: float | None = None) -> int:
    """How many polls a poll-based job takes to end (its phase only moves forward as polls grow)."""
    low, high = 0, max(plan.polls or 0, 0)
    while low < high:
        middle = (low + high) // 2
        if tick(plan, submitted_at, middle, submitted_at, cancelled_at).done:
            high = middle
        else:
            low = middle + 1
    return low


def next_change(plan: JobPlan, submitted_at: float, now: float) -> float | None:
    """Seconds until the phase may next change (None when only polls move it, or it is over)."""
    if plan.polls is not None:
        return None
    duration = (plan.duration_ms or 0.0) / 1000.0
    elapsed = now - submitted_at
    marks = [SUBMITTED_SHARE, QUEUED_SHARE, 1.0]
    if plan.fail_at is not None:
        marks.append(QUEUED_SHARE + plan.fail_at * (1 - QUEUED_SHARE))
    upcoming = sorted(m * duration - elapsed for m in marks if m * duration > elapsed)
    return upcoming[0] if upcoming else None


def _number(value: str, what: str) -> float:
    try:
        number = float(value.strip().rstrip("%").removesuffix("ms"))
    except ValueError:
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{what} must be a finite, non-negative number, got {value!r}")
    return number


def parse_fail(value: str) -> tuple[float, str | None]:
    """`at=80; reason=...` (or just `80`, or empty) -> (fail_at fraction, reason)."""
    at, reason = 0.0, None
    for part in re.split(r"[;,](?=\s*\w+\s*=)", value or ""):
        key, sep, val = part.partition("=")
        key, val = key.strip().lower(), val.strip()
        if not sep and key:
            at = _number(key, "fail at") / 100
        elif key == "at":
            at = _number(val, "fail at") / 100
        elif key == "reason":
            reason = val or None
    if at > 1:
        raise ValueError("fail at must be a percent between 0 and 100")
    return at, reason


def plan_from_request(headers: Mapping[str, str], texts: list[Any]) -> JobPlan:
    """A plan from `X-Mock-Task-*` headers and `[mock:...]` markers in the prompt texts; ValueError on nonsense."""
    duration: float | None = None
    polls: int | None = None
    fail: tuple[float, str | None] | None = None
    for text in texts:
        if not isinstance(text, str):
            continue
        for name, value in _MARKER.findall(text):
            name = name.lower()
            if name == "fail":
                fail = parse_fail(value)
            elif name == "duration":
                duration = _number(value, "[mock:duration]")
            elif name == "polls":
                polls = int(_number(value, "[mock:polls]"))
    if "x-mock-task-duration-ms" in headers:
        duration = _number(headers["x-mock-task-duration-ms"], "X-Mock-Task-Duration-Ms")
    if "x-mock-task-polls" in headers:
        polls = int(_number(headers["x-mock-task-polls"], "X-Mock-Task-Polls"))
    if "x-mock-task-fail" in headers:
        fail = parse_fail(headers["x-mock-task-fail"])
    if duration is not None and duration > MAX_DURATION_MS:
        raise ValueError(f"task duration must be at most {int(MAX_DURATION_MS)} ms")
    return JobPlan(duration_ms=duration, polls=polls,
                   fail_at=fail[0] if fail else None, fail_reason=fail[1] if fail else None)


def strip_markers(text: str) -> str:
    """The prompt without its `[mock:...]` markers."""
    return _MARKER.sub("", text).strip() if isinstance(text, str) else text


AT_SUBMIT = Tick("submitted", 0.0, None, None)  # what submit answers show, however fast the clock
