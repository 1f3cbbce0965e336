"""The journal in Redis: one capped list, newest first, written in batches off the request path.

`record` only queues the entry; a writer task turns the queue into plain data (secrets redacted, bytes as
text) and pushes it with one Lua script that numbers the entries and trims the list. `query` builds the JSON
where the journal is read. While Redis is away the newest `limit` entries wait and are written when it is back.

Near misses ("why no scenario matched") are costly to explain and rarely read, so, as in memory, they are
worked out only when read: the process that answered keeps the explanation's closure, and a query asks every
process (one pub/sub broadcast) to write the explanations of the entries it is about to show.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

from ..core.errors import MockError
from .base import BaseJournal
from .journal import LIMIT, SECRET_HEADERS, SECRET_QUERY, JournalEntry, redact, select
from .redis_conn import TTL_S, Connection, guarded
from .redis_pubsub import Channels

log = logging.getLogger("mockserver.state")
BATCH = 256
GATHER_S = 0.005  # a writer waits this long before its first batch, so one push carries many entries
MAX_BACKOFF_S = 1.0
UNEXPLAINED = "explain_from"  # in a stored entry: the process that can explain its near misses

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

    def __init__(self, conn: Connection, channels: Channels, limit: int = LIMIT, ttl_s: int = TTL_S) -> None:
        self.conn, self.channels, self.limit, self.ttl_s = conn, channels, limit, ttl_s
        self.key, self.sequence = conn.key("journal"), conn.key("journal", "seq")
        self.channel = conn.key("journal", "explain")
        self.pending: deque[JournalEntry] = deque(maxlen=limit)
        self.listeners: list[Callable[[JournalEntry], None]] = []  # told once an entry has its id
        self.unexplained: OrderedDict[int, Callable[[], Any]] = OrderedDict()  # entry id -> its near misses
        self._push = conn.script(PUSH)
        self._writer: asyncio.Task | None = None
        self._writing = asyncio.Lock()
        channels.handle(self.channel, self._explain)

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
            await asyncio.sleep(GATHER_S)
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
        docs = [encode(entry, self.channels.origin) for entry in batch]
        last = await self._push(keys=[self.key, self.sequence], args=[self.limit, self.ttl_s, *docs])
        for number, entry in enumerate(batch, start=last - len(batch) + 1):
            entry.id = number
            if entry._json is not None:
                entry._json["id"] = number
            if callable(entry.misses):
                self.unexplained[number] = entry.misses
                if len(self.unexplained) > self.limit:
                    self.unexplained.popitem(last=False)
            for listener in self.listeners:
                listener(entry)

    async def query(self, *, path: str | None = None, scenario: str | None = None, test_id: str | None = None,
                    operation: str | None = None, status: int | None = None,
                    limit: int | None = None) -> list[dict]:
        """Entries of every process as JSON, oldest first, filtered (this process's queue is written first)."""
        await self.flush()
        records = [orjson.loads(raw) for raw in reversed(await self._read())]
        entries = [decode(record) for record in records]
        found = select([e.to_json() for e in entries], path=path, scenario=scenario, test_id=test_id,
                       operation=operation, status=status, limit=limit)
        waiting = {r["id"] for r in records if r.get(UNEXPLAINED)} & {e["id"] for e in found}
        if waiting:
            explained = await self._explained(sorted(waiting))
            for shown in found:
                if explained.get(shown["id"]):
                    shown["nearest_scenarios"] = explained[shown["id"]]
        return found

    @guarded
    async def _read(self) -> list[bytes]:
        return await self.conn.client.lrange(self.key, 0, self.limit - 1)

    async def _explained(self, ids: list[int]) -> dict[int, Any]:
        """Near misses of these entries: those already explained, then the rest from the processes that answered."""
        found = await self._misses(ids)
        missing = [i for i in ids if i not in found]
        if missing:
            await self.channels.broadcast(self.channel, {"ids": missing})
            found |= await self._misses(missing)
        return found

    @guarded
    async def _misses(self, ids: list[int]) -> dict[int, Any]:
        values = await self.conn.client.mget([self.conn.key("journal", "misses", str(i)) for i in ids])
        return {i: orjson.loads(v) for i, v in zip(ids, values) if v is not None}

    async def _explain(self, note: dict) -> None:
        """Write the near misses of the requested entries this process answered."""
        mine = [i for i in note.get("ids", []) if i in self.unexplained]
        if not mine:
            return
        async with self.conn.client.pipeline(transaction=False) as pipe:
            for number in mine:
                pipe.set(self.conn.key("journal", "misses", str(number)), orjson.dumps(_misses(self.unexplained[number])),
                         ex=self.ttl_s)
            await pipe.execute()
        for number in mine:
            self.unexplained.pop(number, None)

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


def _misses(explain: Callable[[], Any]) -> Any:
    try:
        return explain()
    except Exception:  # the request is still worth showing
        log.exception("journal: near misses could not be explained")
        return [{"scenario": "?", "passed": [], "failed": ["could not be explained (see the server log)"]}]


def encode(entry: JournalEntry, origin: str) -> bytes:
    """The entry as plain data without its id (the push numbers it); `decode` reads it back.

    Every slot is kept as the pipeline left it (so fields added to `JournalEntry` travel too), except that
    secrets are redacted before they leave the process, bytes become text, and near misses not yet worked
    out name the process that can (`origin`).
    """
    record: dict[str, Any] = {}
    for name in JournalEntry.__slots__:
        if name not in ("id", "_json"):
            record[name] = getattr(entry, name, None)
    if callable(record["misses"]):
        record["misses"], record[UNEXPLAINED] = None, origin
    record["headers"] = {k: (redact(v) if k in SECRET_HEADERS else v) for k, v in entry.headers.items()}
    query = entry.query_string
    if query:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        query = urlencode([(k, redact(v) if k.lower() in SECRET_QUERY else v) for k, v in pairs]).encode("latin-1")
    record["query_string"] = query.decode("latin-1")
    try:
        record["raw_body"] = entry.raw_body.decode("utf-8")
    except UnicodeDecodeError:
        record["raw_body"], record["raw_body_base64"] = base64.b64encode(entry.raw_body).decode(), True
    return orjson.dumps(record, default=str)


def decode(record: dict) -> JournalEntry:
    """An entry `encode` wrote (with the id the push gave it)."""
    entry = JournalEntry.__new__(JournalEntry)
    for name in JournalEntry.__slots__:
        setattr(entry, name, record.get(name))
    body = record.get("raw_body") or ""
    entry.raw_body = base64.b64decode(body) if record.get("raw_body_base64") else body.encode("utf-8")
    entry.query_string = (record.get("query_string") or "").encode("latin-1")
    entry._json = None
    return entry
