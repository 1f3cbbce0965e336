"""Shared state: one interface (`BaseState`, `base.py`) for everything requests leave behind; two implementations.

`State` keeps it in this process (the default). Bounds: journal 1,000 entries (bodies cut at 64 KiB), stored
Responses 1,000, task jobs 10,000 (LRU), scenario positions / draws / rate windows 100,000 keys (LRU), timed
caches 10,000 entries each. `RedisState` (`redis.py`, `--state redis://...`) shares it between processes and
instances; there entries expire by TTL and the journal keeps its newest 1,000.
"""

from __future__ import annotations

from .base import BaseState, Codec
from .jobs import JobTable
from .journal import Journal, JournalEntry
from .memory import BoundedDict, ScenarioCounters, ScenarioSet, TimedCache
from .responses import ResponseStore, StoredResponse


class State(BaseState):
    """The stores of one process, in memory."""

    shared = False

    def __init__(self) -> None:
        self.journal = Journal()
        self.responses = ResponseStore()
        self.jobs = JobTable()
        self.counters = ScenarioCounters()
        self.prompt_cache = TimedCache()
        self.spoken = TimedCache(limit=256)
        self.scenario_set = ScenarioSet()

    async def start(self) -> None:
        """Nothing to connect."""

    async def close(self) -> None:
        """Nothing to disconnect."""

    def describe(self) -> str:
        """In memory, this process only."""
        return "memory (this process only)"


def open_state(url: str | None, *, jobs: Codec, scenarios: Codec) -> BaseState:
    """The state a `--state` URL names: None or `memory` keeps it here; `redis://` / `rediss://` / `unix://` share it."""
    if not url or url == "memory":
        return State()
    from .redis import RedisState
    return RedisState(url, jobs=jobs, scenarios=scenarios)


__all__ = ["BaseState", "BoundedDict", "Codec", "JobTable", "Journal", "JournalEntry", "ResponseStore",
           "ScenarioCounters", "ScenarioSet", "State", "StoredResponse", "TimedCache", "open_state"]
