"""The state interface: one abstract class per store, implemented in memory (`memory.py` & co.) and in Redis.

Every method a request awaits is async; `BaseJournal.record` is sync and never blocks. Stores that keep
objects of a higher layer (task jobs, scenarios) are handed a `Codec` by the composition root.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .journal import JournalEntry
    from .responses import StoredResponse

JOB_COUNTERS = ("polls", "started_at", "finished_at", "cancelled_at", "notified")  # the fields a job changes in place
FIRST_SEEN = frozenset({"started_at", "finished_at", "cancelled_at"})


@dataclass(frozen=True)
class Codec:
    """How a store turns an object of a higher layer into plain data and back."""

    dump: Callable[[Any], dict]
    load: Callable[[dict], Any]


class BaseJournal(ABC):
    """The last requests answered, newest kept."""

    listeners: list[Callable[["JournalEntry"], None]]

    @abstractmethod
    def record(self, entry: "JournalEntry") -> None:
        """Keep one answered request (never blocks: the request path calls it)."""

    @abstractmethod
    async def query(self, *, path: str | None = None, scenario: str | None = None, test_id: str | None = None,
                    operation: str | None = None, status: int | None = None,
                    limit: int | None = None) -> list[dict]:
        """Entries as JSON, oldest first, filtered (`path` may end with `*`)."""

    @abstractmethod
    async def clear(self) -> None:
        """Forget everything."""


class BaseResponseStore(ABC):
    """Stored Responses API objects by id."""

    @abstractmethod
    async def put(self, entry: "StoredResponse") -> None:
        """Store (or replace) an entry under its response id."""

    @abstractmethod
    async def get(self, response_id: str) -> "StoredResponse | None":
        """The entry, or None if it was never stored, was deleted or has expired."""

    @abstractmethod
    async def delete(self, response_id: str) -> bool:
        """Remove an entry; whether it existed."""


class BaseJobTable(ABC):
    """Task jobs by id, id aliases and id counters; the fields a job changes in place change atomically."""

    @abstractmethod
    async def get(self, job_id: str) -> Any:
        """The job, or None."""

    @abstractmethod
    async def put(self, job: Any) -> None:
        """Keep a job whole, its counters included (a new job, or one that runs again)."""

    @abstractmethod
    async def save(self, job: Any) -> None:
        """Keep what a job says (plan, parameters, extras), not its counters (`JOB_COUNTERS`)."""

    @abstractmethod
    async def delete(self, job_id: str) -> None:
        """Forget a job."""

    @abstractmethod
    async def poll(self, job: Any, limit: int) -> int:
        """Count one poll of `job` unless it has reached `limit` polls; the polls now (also set on `job`)."""

    @abstractmethod
    async def first(self, job: Any, name: str, value: float) -> float:
        """Set a time of `FIRST_SEEN` unless one is already set; the time kept (also set on `job`)."""

    @abstractmethod
    async def claim(self, job: Any, phase: str, body: Any) -> bool:
        """Whether this caller should announce `phase` with `body` (no one announced it, or the same body, before)."""

    @abstractmethod
    async def alias(self, key: str, job_id: str) -> None:
        """Let `key` find the job `job_id`."""

    @abstractmethod
    async def resolve(self, key: str) -> str | None:
        """The job id an alias names."""

    @abstractmethod
    async def count(self, key: str) -> int:
        """How many times `key` was counted before (then count it once more)."""


class BaseCounters(ABC):
    """Where each (scenario, key) is in its sequence, its chaos draws, and its rate-limit windows."""

    @abstractmethod
    async def advance(self, scenario: str, key: str) -> int:
        """The position to serve now (then move on by one)."""

    @abstractmethod
    async def peek(self, scenario: str, key: str) -> int:
        """The position the next request would get."""

    @abstractmethod
    async def set(self, scenario: str, key: str, position: int) -> None:
        """Move a key to a position."""

    @abstractmethod
    async def reset(self, scenario: str | None = None, key: str | None = None) -> None:
        """Forget positions, draws and windows (of one scenario / key, or all)."""

    @abstractmethod
    async def chance(self, scenario: str, key: str, seed: int) -> float:
        """The next reproducible draw in [0, 1) of this scenario and key."""

    @abstractmethod
    async def take(self, scenario: str, key: str, tokens: int, rpm: int | None,
                   tpm: int | None) -> tuple[bool, dict[str, Any]]:
        """Count one request of `tokens` if the sliding minute allows it; report limits, remainders and reset."""

    @abstractmethod
    async def snapshot(self) -> dict[str, dict[str, int]]:
        """Positions as JSON: {scenario: {key: position}}."""


class BaseTimedCache(ABC):
    """Values that expire after their TTL."""

    @abstractmethod
    async def get(self, key: str) -> Any:
        """The live value, or None."""

    @abstractmethod
    async def put(self, key: str, value: Any, ttl_s: float = 3600.0) -> None:
        """Keep `value` (plain data) for `ttl_s` seconds."""


@dataclass
class Overlay:
    """The scenarios added over the control API (in order) and the file scenarios removed by name."""

    version: int = 0
    added: list[Any] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)


OnChange = Callable[[bool], Awaitable[None]]  # told whether the change reloads the scenario files too


class BaseScenarioSet(ABC):
    """The run-time changes to the scenario set, shared by every process that serves the same state."""

    @abstractmethod
    async def load(self) -> Overlay:
        """The changes as they stand."""

    @abstractmethod
    async def add(self, scenarios: list[Any]) -> None:
        """Add (or replace by name) scenarios; returns once every process serving this state has them."""

    @abstractmethod
    async def remove(self, name: str) -> None:
        """Remove a scenario by name (an added one, and a file one until the next reset)."""

    @abstractmethod
    async def reset(self) -> None:
        """Forget every change; every process reloads its scenario files."""

    @abstractmethod
    def watch(self, on_change: OnChange) -> None:
        """Call `on_change` when another process changed the set (and once the watch starts)."""


class BaseState(ABC):
    """Everything requests leave behind, in one place; `start` before serving, `close` after."""

    journal: BaseJournal
    responses: BaseResponseStore
    jobs: BaseJobTable
    counters: BaseCounters
    prompt_cache: BaseTimedCache
    spoken: BaseTimedCache
    scenario_set: BaseScenarioSet
    shared: bool  # whether other processes see this state

    @abstractmethod
    async def start(self) -> None:
        """Connect and begin watching (idempotent; the first request calls it when no lifespan did)."""

    @abstractmethod
    async def close(self) -> None:
        """Write what is pending and disconnect."""

    @abstractmethod
    def describe(self) -> str:
        """Where the state lives, for the startup line and the health route."""

    async def reset_scenarios(self) -> None:
        """Forget scenario positions, draws and rate windows."""
        await self.counters.reset()
