"""The journal in Redis: one capped list, newest first, written in batches off the request path.

`record` only queues the entry; a writer task turns the queue into JSON (near misses included: plain data
from here on) and pushes it with one Lua script that numbers the entries and trims the list. While Redis is
away the newest `limit` entries wait and are written when it is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

import orjson

from ..core.errors import MockError
from .base import BaseJournal
from .journal import LIMIT, JournalEntry, select
from .redis_conn import TTL_S, Connection, guarded

log = logging.getLogger("mockserver.state")
BATCH = 256
MAX_BACKOFF_S = 1.0

# KEYS[1] list, KEYS[2] id sequence; ARGV[1] limit, ARGV[2] ttl, ARGV[3..] entries as JSON objects without id.
PUSH = """
local n = #ARGV - 2
local last = redis.call('INCRBY', KEYS[2], n)
for i = 1, n do
  redis.call('LPUSH', KEYS[1], '{"id":' .. (last - n + i) .. ',' .. string.sub(ARGV[i + 2], 2))
end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return last
"""


class RedisJournal(BaseJournal):
    """The last `limit` requests of every process sharing this Redis."""

    def __init__(self, conn: Connection, limit: int = LIMIT, ttl_s: int = TTL_S) -> None:
        self.conn, self.limit, self.ttl_s = conn, limit, ttl_s
        self.key, self.sequence = conn.key("journal"), conn.key("journal", "seq")
        self.pending: deque[JournalEntry] = deque(maxlen=limit)
        self.listeners: list[Callable[[JournalEntry], None]] = []  # told once an entry has its id
        self._push = conn.script(PUSH)
        self._writer: asyncio.Task | None = None
        self._writing = asyncio.Lock()

    def record(self, entry: JournalEntry) -> None:
        """Queue one answered request; a writer task sends it."""
        self.pending.append(entry)
        if self._writer is None:
            try:
                self._writer = asyncio.get_running_loop().create_task(self._write_soon())
            except RuntimeError:  # no loop running: the next query writes it
                pass

    async def _write_soon(self) -> None:
        backoff = 0.0
        try:
            while self.pending:
                try:
                    await self.flush()
                    backoff = 0.0
                except MockError:  # Redis away (already logged): keep the newest entries, try again shortly
                    backoff = min(MAX_BACKOFF_S, backoff * 2 or 0.05)
                    await asyncio.sleep(backoff)
        finally:
            self._writer = None

    async def flush(self) -> None:
        """Write every queued entry (in order, one batch at a time)."""
        async with self._writing:
            while self.pending:
                batch = [self.pending.popleft() for _ in range(min(BATCH, len(self.pending)))]
                try:
                    await self._send(batch)
                except BaseException:
                    later = list(self.pending)
                    self.pending.clear()
                    self.pending.extend(batch + later)  # the deque keeps the newest `limit`
                    raise

    @guarded
    async def _send(self, batch: list[JournalEntry]) -> None:
        docs = [_encode(entry) for entry in batch]
        last = await self._push(keys=[self.key, self.sequence], args=[self.limit, self.ttl_s, *docs])
        for number, entry in enumerate(batch, start=last - len(batch) + 1):
            entry.id = number
            if entry._json is not None:
                entry._json["id"] = number
            for listener in self.listeners:
                listener(entry)

    async def query(self, *, path: str | None = None, scenario: str | None = None, test_id: str | None = None,
                    operation: str | None = None, status: int | None = None,
                    limit: int | None = None) -> list[dict]:
        """Entries of every process as JSON, oldest first, filtered (this process's queue is written first)."""
        await self.flush()
        found = [orjson.loads(raw) for raw in reversed(await self._read())]
        return select(found, path=path, scenario=scenario, test_id=test_id, operation=operation, status=status,
                      limit=limit)

    @guarded
    async def _read(self) -> list[bytes]:
        return await self.conn.client.lrange(self.key, 0, self.limit - 1)

    @guarded
    async def clear(self) -> None:
        """Forget everything (the queue too)."""
        self.pending.clear()
        await self.conn.client.delete(self.key)

    async def close(self) -> None:
        """Write what is queued, if Redis lets us."""
        try:
            await self.flush()
        except MockError:
            log.warning("journal: %d entries not written (Redis unavailable)", len(self.pending))


def _encode(entry: JournalEntry) -> bytes:
    """The entry as a JSON object without its id (the push numbers it)."""
    try:
        doc = dict(entry.to_json())
    except Exception:  # explaining near misses failed: keep the request, say so
        log.exception("journal: entry %s %s could not be described in full", entry.method, entry.path)
        entry.misses = None
        entry._json = None
        doc = dict(entry.to_json()) | {"nearest_scenarios_error": "could not be computed (see the server log)"}
    doc.pop("id", None)
    return orjson.dumps(doc, default=str)
