"""Shared state: one interface (`State`) for everything requests leave behind, with bounded in-memory stores.

Bounds: journal 1,000 entries (bodies cut at 64 KiB), stored Responses 1,000, task jobs 10,000 (LRU),
scenario positions / draws / rate windows 100,000 keys (LRU), timed caches 10,000 entries each.
"""

from __future__ import annotations

from .jobs import JobTable
from .journal import Journal, JournalEntry
from .memory import BoundedDict, ScenarioCounters, TimedCache
from .responses import ResponseStore, StoredResponse


class State:
    """The stores one server (or, later, a fleet sharing Redis) keeps."""

    def __init__(self) -> None:
        self.journal = Journal()
        self.responses = ResponseStore()
        self.jobs = JobTable()
        self.counters = ScenarioCounters()
        self.prompt_cache = TimedCache()
        self.spoken = TimedCache(limit=256)

    async def reset_scenarios(self) -> None:
        """Forget scenario positions, draws and rate windows."""
        self.counters.reset()


__all__ = ["BoundedDict", "JobTable", "Journal", "JournalEntry", "ResponseStore", "ScenarioCounters", "State",
           "StoredResponse", "TimedCache"]
