"""Task jobs in Redis: one hash per job, what it says in `doc`, what changes in place in fields of their own.

A poll is one Lua script (count it unless the job has ended), first-seen times are HSETNX, a callback's
phase is claimed by one script: however many processes poll a job, it moves one step per poll.
"""

from __future__ import annotations

from typing import Any

import orjson

from .base import FIRST_SEEN, JOB_COUNTERS, BaseJobTable, Codec
from .redis_conn import COUNT, TTL_S, Connection, guarded

# KEYS[1] job; ARGV[1] the polls at which it ends. The polls now, or -1 when the job is gone.
POLL = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local polls = tonumber(redis.call('HGET', KEYS[1], 'polls') or '0')
if polls < tonumber(ARGV[1]) then polls = redis.call('HINCRBY', KEYS[1], 'polls', 1) end
return polls
"""

# KEYS[1] job; ARGV field, value. The value kept (the first written), or nil when the job is gone.
FIRST = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HGET', KEYS[1], ARGV[1])
"""

# KEYS[1] job; ARGV phase, body. 1 when this caller announces the phase, else 0.
CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'notified') == ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'notified', ARGV[1])
if redis.call('HGET', KEYS[1], 'notified_body') == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'notified_body', ARGV[2])
return 1
"""

# KEYS[1] job; ARGV doc, ttl. Rewrites what a job says unless it was deleted meanwhile.
SAVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'doc', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


# KEYS[1] job; ARGV[1] ttl, then field, value, ... The job replaced whole.
PUT = """
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""


class RedisJobTable(BaseJobTable):
    """Jobs (through a codec), aliases and id counters, each with a TTL."""

    def __init__(self, conn: Connection, codec: Codec, ttl_s: int = TTL_S) -> None:
        self.conn, self.codec, self.ttl_s = conn, codec, ttl_s
        self._poll, self._first, self._claim = conn.script(POLL), conn.script(FIRST), conn.script(CLAIM)
        self._save, self._count, self._put = conn.script(SAVE), conn.script(COUNT), conn.script(PUT)

    def _key(self, job_id: str) -> str:
        return self.conn.key("job", job_id)

    def _doc(self, job: Any) -> bytes:
        data = self.codec.dump(job)
        for name in JOB_COUNTERS:
            data.pop(name, None)
        extra = data.get("extra")
        if extra and "notified_body" in extra:  # kept in a field of its own (the dump is not a copy)
            data["extra"] = {k: v for k, v in extra.items() if k != "notified_body"}
        return orjson.dumps(data)

    @guarded
    async def get(self, job_id: str) -> Any:
        """The job, or None."""
        fields = await self.conn.run("HGETALL", self._key(job_id))
        if not fields or b"doc" not in fields:
            return None
        data = orjson.loads(fields[b"doc"])
        data["polls"] = int(fields.get(b"polls", 0))
        for name in FIRST_SEEN:
            raw = fields.get(name.encode())
            data[name] = float(raw) if raw is not None else None
        notified = fields.get(b"notified")
        data["notified"] = notified.decode() if notified is not None else None
        return self.codec.load(data)

    @guarded
    async def put(self, job: Any) -> None:
        """Keep a job whole, in one script (no reader sees half of it)."""
        mapping: dict[str, Any] = {"doc": self._doc(job), "polls": job.polls}
        for name in FIRST_SEEN:
            if getattr(job, name) is not None:
                mapping[name] = repr(getattr(job, name))
        if job.notified is not None:
            mapping["notified"] = job.notified
        pairs = [part for item in mapping.items() for part in item]
        await self._put(keys=[self._key(job.id)], args=[self.ttl_s, *pairs])

    @guarded
    async def save(self, job: Any) -> None:
        """Rewrite what the job says (its counters stay as other processes left them)."""
        await self._save(keys=[self._key(job.id)], args=[self._doc(job), self.ttl_s])

    @guarded
    async def delete(self, job_id: str) -> None:
        """Forget a job."""
        await self.conn.run("DEL", self._key(job_id))

    @guarded
    async def poll(self, job: Any, limit: int) -> int:
        """Count one poll unless the job has reached `limit`."""
        polls = await self._poll(keys=[self._key(job.id)], args=[limit])
        if polls >= 0:
            job.polls = polls
        return job.polls

    @guarded
    async def first(self, job: Any, name: str, value: float) -> float:
        """Set a first-seen time unless one is set; adopt the one kept."""
        if name not in FIRST_SEEN:
            raise ValueError(f"not a first-seen time: {name}")
        kept = await self._first(keys=[self._key(job.id)], args=[name, repr(value)])
        setattr(job, name, float(kept) if kept is not None else value)
        return getattr(job, name)

    @guarded
    async def claim(self, job: Any, phase: str, body: Any) -> bool:
        """Whether this caller announces `phase` (no process did, and its body differs from the last one)."""
        claimed = await self._claim(keys=[self._key(job.id)], args=[phase, orjson.dumps(body)])
        job.notified = phase
        return bool(claimed)

    @guarded
    async def alias(self, key: str, job_id: str) -> None:
        """Let `key` find the job `job_id`."""
        await self.conn.run("SET", self.conn.key("alias", key), job_id, "EX", self.ttl_s)

    @guarded
    async def resolve(self, key: str) -> str | None:
        """The job id an alias names."""
        found = await self.conn.run("GET", self.conn.key("alias", key))
        return found.decode() if found is not None else None

    @guarded
    async def count(self, key: str) -> int:
        """How many times `key` was counted before (then count it once more)."""
        return await self._count(keys=[self.conn.key("issued", key)], args=[self.ttl_s])
