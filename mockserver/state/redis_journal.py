"""The journal in Redis: one capped list of summaries, newest first, written in batches off the request path.

`record` only queues the entry; a writer task turns the queue into JSON (secrets redacted, as the memory
journal shows it) and pushes it with one Lua script that numbers the entries, keeps each one's response (headers,
body, stream events with their times) in a hash beside the list, and trims both. A paced stream still going when
it was written is written again when it ends (`finished`). While Redis is away the newest `limit` entries wait and
are written when it is back.

Every push and every late rewrite is announced on a channel, so a live feed (`subscribe`) in any process hears
the requests every process answered.

Near misses ("why no scenario matched") are costly to explain and rarely read, so, as in memory, they are
worked out only when read: the process that answered keeps the explanation's closure, and a query asks every
process (one pub/sub broadcast) to write the explanations of the entries it is about to show.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

import orjson

from ..core.errors import MockError
from .base import BaseJournal
from .journal import LIMIT, JournalEntry, entry_filter
from .redis_conn import TTL_S, Connection, guarded
from .redis_pubsub import Channels

log = logging.getLogger("mockserver.state")
BATCH = 256
GATHER_S = 0.005  # a writer waits this long before its first batch, so one push carries many entries
MAX_BACKOFF_S = 1.0
UNEXPLAINED = "explain_from"  # in a stored entry: the process that can explain its near misses

# KEYS[1] list, KEYS[2] id sequence, KEYS[3] responses (hash by id), KEYS[4] late rewrites (hash by id);
# ARGV[1] limit, ARGV[2] ttl, then per entry: its summary as a JSON object without id, its response.
PUSH = """
local n = (#ARGV - 2) / 2
local limit = tonumber(ARGV[1])
local last = redis.call('INCRBY', KEYS[2], n)
for i = 1, n do
  local id = last - n + i
  redis.call('LPUSH', KEYS[1], '{"id":' .. id .. ',' .. string.sub(ARGV[2 * i + 1], 2))
  redis.call('HSET', KEYS[3], id, ARGV[2 * i + 2])
end
redis.call('LTRIM', KEYS[1], 0, limit - 1)
for id = math.max(1, last - n + 1 - limit), last - limit do
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
end
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
return last
"""

# KEYS[2] id sequence, KEYS[3] responses, KEYS[4] late rewrites; ARGV[1] limit, ARGV[2] id, ARGV[3] summary,
# ARGV[4] response. Written only while the entry is still kept.
REWRITE = """
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) <= last - tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
return 1
"""


class Stored:
    """An entry read back from Redis: what a listener of the journal is given for another process's request."""

    __slots__ = ("id", "summary")

    def __init__(self, summary: dict[str, Any]) -> None:
        self.id, self.summary = summary["id"], summary

    def to_json(self) -> dict[str, Any]:
        """The summary, as `GET /_mock/requests` lists it."""
        return self.summary


class RedisJournal(BaseJournal):
    """The last `limit` requests of every process sharing this Redis."""

    def __init__(self, conn: Connection, channels: Channels, limit: int = LIMIT, ttl_s: int = TTL_S) -> None:
        self.conn, self.channels, self.limit, self.ttl_s = conn, channels, limit, ttl_s
        self.key, self.sequence = conn.key("journal"), conn.key("journal", "seq")
        self.responses, self.rewrites = conn.key("journal", "responses"), conn.key("journal", "rewrites")
        self.keys = [self.key, self.sequence, self.responses, self.rewrites]
        self.channel = conn.key("journal", "explain")
        self.news = conn.key("journal", "news")
        self.pending: deque[JournalEntry] = deque(maxlen=limit)
        self.listeners: list[Callable[[Any], None]] = []  # told once an entry has its id
        self.unexplained: OrderedDict[int, Callable[[], Any]] = OrderedDict()  # entry id -> its near misses
        self._push, self._rewrite = conn.script(PUSH), conn.script(REWRITE)
        self._writer: asyncio.Task | None = None
        self._writing = asyncio.Lock()
        self._late: set[asyncio.Task] = set()
        channels.handle(self.channel, self._explain)
        channels.handle(self.news, self._heard)

    def record(self, entry: JournalEntry) -> None:
        """Queue one answered request; a writer task sends it."""
        self.pending.append(entry)
        if self._writer is None:
            try:
                self._writer = asyncio.get_running_loop().create_task(self._write_soon())
            except RuntimeError:  # no loop running: the next query writes it
                pass

    def finished(self, entry: JournalEntry) -> None:
        """A paced stream is over: tell the listeners here, and write it again if it was written while going."""
        if not entry.id:  # not numbered yet: the push that numbers it tells the listeners and looks again
            return
        for listener in self.listeners:
            listener(entry)
        self._later(self._write_again(entry))

    def _later(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._late.add(task)
        task.add_done_callback(self._late.discard)

    async def _write_again(self, entry: JournalEntry) -> None:
        try:
            await self._send_again(entry)
        except MockError:  # Redis away (already logged): the entry keeps what was written while it streamed
            pass

    @guarded
    async def _send_again(self, entry: JournalEntry) -> None:
        detail = entry.detail(explain=False)
        response = detail.pop("response")
        await self._rewrite(keys=self.keys, args=[self.limit, entry.id, orjson.dumps(detail, default=str),
                                                  orjson.dumps(response, default=str)])
        await self.channels.notify(self.news, {"rewritten": [entry.id]})

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
        args: list[Any] = [self.limit, self.ttl_s]
        complete = []
        for entry in batch:
            complete.append(entry.complete)
            args += encode(entry, self.channels.origin)
        last = await self._push(keys=self.keys, args=args)
        for number, entry, was_complete in zip(range(last - len(batch) + 1, last + 1), batch, complete):
            entry.id = number
            if entry._json is not None:
                entry._json["id"] = number
            if callable(entry.misses):
                self.unexplained[number] = entry.misses
                if len(self.unexplained) > self.limit:
                    self.unexplained.popitem(last=False)
            for listener in self.listeners:
                listener(entry)
            if entry.complete and not was_complete:  # it ended while being written
                self._later(self._write_again(entry))
        await self.channels.notify(self.news, {"pushed": [last - len(batch) + 1, last]})

    async def _heard(self, note: dict) -> None:
        """Another process wrote entries: hand them to this process's listeners (a live feed), if any."""
        if not self.listeners or note.get("origin") == self.channels.origin:
            return
        if "pushed" in note:
            first, last = note["pushed"]
            # The list is newest first with consecutive ids; a margin for the pushes that land between the reads.
            newest = int(await self.conn.client.get(self.sequence) or 0)
            raw = await self.conn.client.lrange(self.key, 0, min(newest - first + BATCH, self.limit - 1))
            found = [s for s in await self._summaries(raw) if first <= s["id"] <= last]
        else:
            found = [s for s in await self._summaries(await self._read()) if s["id"] in note.get("rewritten", [])]
        for summary in sorted(found, key=lambda s: s["id"]):
            for listener in list(self.listeners):
                listener(Stored(summary))

    async def _summaries(self, raw: list[bytes]) -> list[dict]:
        """Stored summaries, oldest first, with the late rewrites of streams that were still going."""
        records = [orjson.loads(r) for r in reversed(raw)]
        going = [r["id"] for r in records if r.get("stream") and not r.get("complete")]
        if going:
            rewritten = await self.conn.client.hmget(self.rewrites, going)
            late = {i: orjson.loads(v) for i, v in zip(going, rewritten) if v is not None}
            records = [{**late[r["id"]], "id": r["id"]} if r["id"] in late else r for r in records]
        return records

    async def query(self, *, path: str | None = None, scenario: str | None = None, test_id: str | None = None,
                    operation: str | None = None, status: int | str | None = None, text: str | None = None,
                    since: int | None = None, limit: int | None = None) -> list[dict]:
        """Entries of every process as JSON, oldest first, filtered (this process's queue is written first)."""
        await self.flush()
        keep = entry_filter(path=path, scenario=scenario, test_id=test_id, operation=operation, status=status,
                            text=text)
        records = await self._read_summaries()
        found = [r for r in records if (since is None or r["id"] > since) and keep(r)]
        found = found[-limit:] if limit else found
        await self._add_misses(found)
        return [_shown(r) for r in found]

    async def get(self, entry_id: int) -> dict[str, Any] | None:
        """One entry of any process in full, or None when it is unknown or no longer kept."""
        await self.flush()
        found = next((r for r in await self._read_summaries() if r["id"] == entry_id), None)
        if found is None:
            return None
        await self._add_misses([found])
        response = await self._response(entry_id)
        return {**_shown(found), "response": orjson.loads(response) if response is not None else {"kind": "none"}}

    @guarded
    async def _response(self, entry_id: int) -> bytes | None:
        return await self.conn.client.hget(self.responses, entry_id)

    @guarded
    async def _read_summaries(self) -> list[dict]:
        return await self._summaries(await self._read())

    async def _read(self) -> list[bytes]:
        return await self.conn.client.lrange(self.key, 0, self.limit - 1)

    async def _add_misses(self, found: list[dict]) -> None:
        waiting = sorted(r["id"] for r in found if r.get(UNEXPLAINED))
        if waiting:
            explained = await self._explained(waiting)
            for shown in found:
                if explained.get(shown["id"]):
                    shown["nearest_scenarios"] = explained[shown["id"]]

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
        """Forget everything (the queue too); the numbering goes on."""
        self.pending.clear()
        await self.conn.client.delete(self.key, self.responses, self.rewrites)

    async def close(self) -> None:
        """Write what is queued, if Redis lets us."""
        try:
            await self.flush()
            await asyncio.gather(*self._late)
        except MockError:
            log.warning("journal: %d entries not written (Redis unavailable)", len(self.pending))


def _shown(record: dict) -> dict:
    """A stored summary as the control API shows it (without the note of who can explain its near misses)."""
    record.pop(UNEXPLAINED, None)
    return record


def _misses(explain: Callable[[], Any]) -> Any:
    try:
        return explain()
    except Exception:  # the request is still worth showing
        log.exception("journal: near misses could not be explained")
        return [{"scenario": "?", "passed": [], "failed": ["could not be explained (see the server log)"]}]


def encode(entry: JournalEntry, origin: str) -> tuple[bytes, bytes]:
    """The entry's summary (without its id: the push numbers it) and its response, as JSON.

    Secrets are redacted before they leave the process (the summary is what the memory journal shows); near
    misses not yet worked out name the process that can (`origin`).
    """
    detail = entry.detail(explain=False)
    response = detail.pop("response")
    del detail["id"]
    if callable(entry.misses):
        detail[UNEXPLAINED] = origin
    return orjson.dumps(detail, default=str), orjson.dumps(response, default=str)
