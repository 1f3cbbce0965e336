"""`RedisState`: the state interface on Redis (or Valkey), shared by every worker and instance given the same URL.

Keys live under `mockserver:` in the URL's database; entries expire after a day untouched, the journal keeps
its newest 1,000. While Redis is away, a request that needs shared state gets a 503 in its provider's shape,
the rest keep working, and everything carries on when Redis is back.
"""

from __future__ import annotations

from .base import BaseState, Codec
from .redis_conn import Connection
from .redis_jobs import RedisJobTable
from .redis_journal import RedisJournal
from .redis_pubsub import Channels
from .redis_scenarios import RedisScenarioSet
from .redis_stores import RedisCounters, RedisResponseStore, RedisTimedCache


class RedisState(BaseState):
    """Every store on one Redis connection."""

    shared = True

    def __init__(self, url: str, *, jobs: Codec, scenarios: Codec) -> None:
        self.conn = Connection(url)
        self.channels = Channels(self.conn)
        self.journal = RedisJournal(self.conn, self.channels)
        self.responses = RedisResponseStore(self.conn)
        self.jobs = RedisJobTable(self.conn, jobs)
        self.counters = RedisCounters(self.conn)
        self.prompt_cache = RedisTimedCache(self.conn, "prompt")
        self.spoken = RedisTimedCache(self.conn, "spoken")
        self.scenario_set = RedisScenarioSet(self.conn, scenarios, self.channels)

    async def start(self) -> None:
        """Subscribe: scenario changes (the first sync included) and requests to explain journal entries."""
        await self.channels.start()

    async def close(self) -> None:
        """Write the queued journal entries, unsubscribe, disconnect."""
        await self.journal.close()
        await self.channels.stop()
        await self.conn.close()

    def describe(self) -> str:
        """The Redis URL (without a password)."""
        return f"redis ({self.conn.shown}, shared)"


async def ping(url: str) -> str | None:
    """None when Redis at `url` answers, else why not (for a clear error before serving)."""
    conn = Connection(url)
    try:
        await conn.client.ping()
        return None
    except Exception as exc:  # any failure to reach it is the message
        return str(exc) or type(exc).__name__
    finally:
        await conn.close()
