"""Async task jobs by id (the least recently used dropped beyond the limit), id aliases and id counters."""

from __future__ import annotations

from typing import Any

from .base import FIRST_SEEN, BaseJobTable
from .memory import BoundedDict

MAX_JOBS = 10_000


class JobTable(BaseJobTable):
    """Jobs (any object with an `id`), aliases (a file or clip id -> its job id) and counters for id material."""

    def __init__(self, limit: int = MAX_JOBS) -> None:
        self.limit = limit
        self._jobs: BoundedDict[str, Any] = BoundedDict(limit)
        self._aliases: BoundedDict[str, str] = BoundedDict(limit * 8)
        self._issued: BoundedDict[str, int] = BoundedDict(limit * 2)

    async def get(self, job_id: str) -> Any:
        """The job, or None."""
        job = self._jobs.get(job_id)
        if job is not None:
            self._jobs.move_to_end(job_id)
        return job

    async def put(self, job: Any) -> None:
        """Keep (or replace) a job."""
        self._jobs[job.id] = job

    async def save(self, job: Any) -> None:
        """Keep what changed on a job (the object itself is kept)."""
        self._jobs[job.id] = job

    async def poll(self, job: Any, limit: int) -> int:
        """Count one poll unless `limit` polls were counted."""
        if job.polls < limit:
            job.polls += 1
        return job.polls

    async def first(self, job: Any, name: str, value: float) -> float:
        """Set a first-seen time unless one is set."""
        if name not in FIRST_SEEN:
            raise ValueError(f"not a first-seen time: {name}")
        if getattr(job, name) is None:
            setattr(job, name, value)
        return getattr(job, name)

    async def claim(self, job: Any, phase: str, body: Any) -> bool:
        """Whether `phase` (with `body`) is news for this job."""
        if job.notified == phase:
            return False
        job.notified = phase
        if body == job.extra.get("notified_body"):
            return False
        job.extra["notified_body"] = body
        return True

    async def delete(self, job_id: str) -> None:
        """Forget a job."""
        self._jobs.pop(job_id, None)

    async def alias(self, key: str, job_id: str) -> None:
        """Let `key` find the job `job_id`."""
        self._aliases[key] = job_id

    async def resolve(self, key: str) -> str | None:
        """The job id an alias names."""
        return self._aliases.get(key)

    async def count(self, key: str) -> int:
        """How many times `key` was counted before (then count it once more)."""
        seen = self._issued.get(key, 0)
        self._issued[key] = seen + 1
        return seen

    def __len__(self) -> int:
        return len(self._jobs)
