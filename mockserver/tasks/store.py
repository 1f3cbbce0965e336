"""One bounded job store for every task family; phases are computed on read from each job's plan."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from ..state.base import Codec
from .clock import DEFAULT_DURATION_MS, JobPlan, Tick, polls_to_end, tick

if TYPE_CHECKING:
    from ..spec.model import Spec
    from ..state.base import BaseJobTable


@dataclass
class Job:
    """One submitted job: what was asked, how it runs, where it stands."""

    id: str
    family: str
    kind: str  # the family's action: IMAGINE, TEXT2VIDEO, MUSIC, ...
    submitted_at: float
    plan: JobPlan
    params: dict[str, Any]
    seed: str
    base_url: str
    notify_url: str | None = None
    parent_id: str | None = None
    polls: int = 0
    cancelled_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    notified: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict, repr=False)  # operationId -> path, shared

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a shared store, without `links` (every server derives them from its spec); no deep copy."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "links"}
        data["plan"] = {f.name: getattr(self.plan, f.name) for f in fields(self.plan)}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Job":
        """The job `to_dict` described (its `links` are set by the store that reads it)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["plan"] = JobPlan(**values["plan"])
        return cls(**values)


JOB_CODEC = Codec(Job.to_dict, Job.from_dict)

class TaskStore:
    """The jobs of every family on the shared job table, with the server's clock settings."""

    def __init__(self, jobs: "BaseJobTable", *, speed: float = 1.0, default_ms: float = DEFAULT_DURATION_MS,
                 spec: "Spec | None" = None) -> None:
        self.table = jobs
        self.speed = speed
        self.default_ms = default_ms
        self.spec = spec
        self._links: dict[str, str] | None = None

    async def alias(self, key: str, job_id: str) -> None:
        """Let `key` (a file or clip id) find the job `job_id`."""
        await self.table.alias(key, job_id)

    async def by_alias(self, key: str, family: str | None = None) -> Job | None:
        """The job a file or clip id belongs to, or None."""
        job_id = await self.table.resolve(key)
        return await self.get(job_id, family) if job_id else None

    def links(self, spec: Any) -> dict[str, str]:
        """operationId -> path template of the spec's operations (one dict shared by all jobs)."""
        if self._links is None:
            self._links = {op.operation_id: op.path for op in spec.operations}
        return self._links

    def effective(self, plan: JobPlan) -> JobPlan:
        """A request's plan with the server defaults (duration, --task-speed) applied."""
        return plan.with_defaults(self.default_ms, self.speed)

    async def new_id(self, *parts: Any) -> bytes:
        """Deterministic id material: the same request sequence gives the same ids, repeats differ."""
        key = repr(parts)
        count = await self.table.count(key)
        return hashlib.blake2b(f"{key}#{count}".encode(), digest_size=32).digest()

    async def add(self, job: Job) -> Job:
        """Keep `job`."""
        await self.table.put(job)
        return job

    async def save(self, job: Job) -> None:
        """Keep what changed in what `job` says (plan, parameters, extras); its counters change atomically."""
        await self.table.save(job)

    async def get(self, job_id: str, family: str | None = None) -> Job | None:
        """The job with this id (of this family), or None."""
        job = await self.table.get(job_id)
        if job is None or (family is not None and job.family != family):
            return None
        if not job.links and self.spec is not None:  # read back from a shared store
            job.links = self.links(self.spec)
        return job

    async def delete(self, job_id: str) -> None:
        """Forget a job."""
        await self.table.delete(job_id)

    async def plan(self, job_id: str, timeline: JobPlan) -> Job | None:
        """Give a job a new plan (the scenario layer's hook); the clock restarts from now."""
        job = await self.table.get(job_id)
        if job is None:
            return None
        await self.restart(job, self.effective(timeline))
        return job

    async def restart(self, job: Job, plan: JobPlan | None = None) -> None:
        """Run `job` again from now (with an already effective plan, or its own)."""
        job.plan = plan or job.plan
        job.submitted_at, job.polls, job.started_at, job.finished_at = time.time(), 0, None, None
        await self.table.put(job)

    def tick(self, job: Job, *, now: float | None = None) -> Tick:
        """Where `job` stands now (first-seen phase times are noted on `job`; `poll` keeps them)."""
        now = time.time() if now is None else now
        state = tick(job.plan, job.submitted_at, job.polls, now, job.cancelled_at)
        # poll-based plans have no timeline: remember when phases were first seen
        if state.started_at is not None or state.phase == "running":
            job.started_at = job.started_at or state.started_at or now
        if state.done:
            job.finished_at = job.finished_at or state.finished_at or now
            job.started_at = job.started_at or job.finished_at
        return replace(state, started_at=job.started_at, finished_at=job.finished_at)

    async def poll(self, job: Job) -> Tick:
        """A fetch of `job`: poll-based jobs move one step (counted atomically); first-seen phase times are kept."""
        if job.plan.polls is not None:
            await self.table.poll(job, polls_to_end(job.plan, job.submitted_at, job.cancelled_at))
        seen = job.started_at, job.finished_at
        state = self.tick(job)
        if seen == (job.started_at, job.finished_at):
            return state
        for name, before in zip(("started_at", "finished_at"), seen):
            if before is None and getattr(job, name) is not None:
                await self.table.first(job, name, getattr(job, name))  # another process may have seen it first
        return replace(state, started_at=job.started_at, finished_at=job.finished_at)

    async def cancel(self, job: Job, now: float | None = None) -> None:
        """Cancel a job that has not finished (the first cancellation counts)."""
        if not self.tick(job, now=now).done:
            await self.table.first(job, "cancelled_at", time.time() if now is None else now)


def as_uuid(material: bytes) -> str:
    """A UUID4-shaped id from id material."""
    return str(uuid.UUID(bytes=material[:16], version=4))


def as_digits(material: bytes, length: int, lead: str = "1") -> str:
    """A decimal id of `length` digits starting with `lead`."""
    number = int.from_bytes(material, "big") % 10 ** (length - len(lead))
    return lead + str(number).zfill(length - len(lead))


def derived(job: Job, *parts: Any) -> bytes:
    """More id material from a job (clip ids, file ids, request ids)."""
    return hashlib.blake2b(repr((job.id, job.seed, *parts)).encode(), digest_size=32).digest()


def as_text(material: bytes, length: int, alphabet: str) -> str:
    """An id of `length` characters from `alphabet`."""
    number = int.from_bytes(material, "big")
    out = []
    for _ in range(length):
        number, rem = divmod(number, len(alphabet))
        out.append(alphabet[rem])
    return "".join(out)
