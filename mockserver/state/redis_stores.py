"""Stored Responses, timed caches and scenario counters in Redis: each change one command or one Lua script."""

from __future__ import annotations

import random
from typing import Any

import orjson

from .base import BaseCounters, BaseResponseStore, BaseTimedCache
from .memory import WINDOW_S
from .redis_conn import COUNT, TTL_S, Connection, counted_key, delete_matching, glob_escape, guarded, split_counted
from .responses import StoredResponse

COUNTED = ("pos", "draw", "win", "wsum")  # positions, chaos draws, rate windows (entries, token sums)

# A sliding minute: drop entries older than the window, then count this request if the limits allow it.
# Entries are "<ms> <tokens>" in arrival order (Redis's own clock, so every process agrees on the window).
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, tokens, rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local sum = tonumber(redis.call('GET', KEYS[2]) or '0')
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then break end
  local cut = string.find(head, ' ')
  if now - tonumber(string.sub(head, 1, cut - 1)) < window then break end
  redis.call('LPOP', KEYS[1])
  sum = sum - tonumber(string.sub(head, cut + 1))
end
local used = redis.call('LLEN', KEYS[1])
local over_requests = rpm >= 0 and used + 1 > rpm
local over_tokens = tpm >= 0 and sum + tokens > tpm
local allowed = 0
if not over_requests and not over_tokens then
  redis.call('RPUSH', KEYS[1], now .. ' ' .. tokens)
  used, sum, allowed = used + 1, sum + tokens, 1
end
redis.call('SET', KEYS[2], sum, 'PX', window)
redis.call('PEXPIRE', KEYS[1], window)
local oldest = redis.call('LINDEX', KEYS[1], 0)
local age = -1
if oldest then age = now - tonumber(string.sub(oldest, 1, string.find(oldest, ' ') - 1)) end
return {allowed, used, sum, age, over_requests and 1 or 0, over_tokens and 1 or 0}
"""


class RedisResponseStore(BaseResponseStore):
    """Stored Responses as JSON strings; reading one keeps it another TTL (as the memory LRU keeps it)."""

    def __init__(self, conn: Connection, ttl_s: int = TTL_S) -> None:
        self.conn, self.ttl_s = conn, ttl_s

    @guarded
    async def put(self, entry: StoredResponse) -> None:
        """Store (or replace) an entry."""
        await self.conn.run("SET", self.conn.key("resp", entry.response["id"]), orjson.dumps(entry.to_dict()),
                            "EX", self.ttl_s)

    @guarded
    async def get(self, response_id: str) -> StoredResponse | None:
        """The entry, or None."""
        raw = await self.conn.run("GETEX", self.conn.key("resp", response_id), "EX", self.ttl_s)
        return StoredResponse.from_dict(orjson.loads(raw)) if raw is not None else None

    @guarded
    async def delete(self, response_id: str) -> bool:
        """Remove an entry; whether it existed."""
        return bool(await self.conn.run("DEL", self.conn.key("resp", response_id)))


class RedisTimedCache(BaseTimedCache):
    """Plain values with Redis's own expiry."""

    def __init__(self, conn: Connection, name: str) -> None:
        self.conn, self.name = conn, name

    @guarded
    async def get(self, key: str) -> Any:
        """The live value, or None."""
        raw = await self.conn.run("GET", self.conn.key("cache", self.name, key))
        return orjson.loads(raw) if raw is not None else None

    @guarded
    async def put(self, key: str, value: Any, ttl_s: float = 3600.0) -> None:
        """Keep `value` for `ttl_s` seconds."""
        await self.conn.run("SET", self.conn.key("cache", self.name, key), orjson.dumps(value), "PX",
                            max(1, int(ttl_s * 1000)))


class RedisCounters(BaseCounters):
    """Positions and draws are INCRs; a rate window is one Lua script, so N processes enforce one limit."""

    def __init__(self, conn: Connection, ttl_s: int = TTL_S) -> None:
        self.conn, self.ttl_s = conn, ttl_s
        self._count = conn.script(COUNT)
        self._take = conn.script(TAKE)

    def _key(self, kind: str, scenario: str, key: str) -> str:
        return counted_key(self.conn, kind, scenario, key)

    @guarded
    async def advance(self, scenario: str, key: str) -> int:
        """The position to serve now (then move on by one)."""
        return await self._count(keys=[self._key("pos", scenario, key)], args=[self.ttl_s])

    @guarded
    async def peek(self, scenario: str, key: str) -> int:
        """The position the next request would get."""
        return int(await self.conn.run("GET", self._key("pos", scenario, key)) or 0)

    @guarded
    async def set(self, scenario: str, key: str, position: int) -> None:
        """Move a key to a position."""
        await self.conn.run("SET", self._key("pos", scenario, key), position, "EX", self.ttl_s)

    @guarded
    async def reset(self, scenario: str | None = None, key: str | None = None) -> None:
        """Forget positions, draws and windows (of one scenario / key, or all)."""
        if scenario is not None and key is not None:
            await self.conn.client.unlink(*(self._key(kind, scenario, key) for kind in COUNTED))
            return
        for kind in COUNTED:
            named = "" if scenario is None else f"{len(scenario)}:{glob_escape(scenario)}:"
            await delete_matching(self.conn, self.conn.key(kind, named + "*"))

    @guarded
    async def chance(self, scenario: str, key: str, seed: int) -> float:
        """The next reproducible draw in [0, 1) of this scenario and key."""
        count = await self._count(keys=[self._key("draw", scenario, key)], args=[self.ttl_s])
        return random.Random(f"{seed}:{scenario}:{key}:{count}").random()

    @guarded
    async def take(self, scenario: str, key: str, tokens: int, rpm: int | None,
                   tpm: int | None) -> tuple[bool, dict[str, Any]]:
        """Count one request of `tokens` if the sliding minute allows it; report limits, remainders and reset."""
        window_ms = int(WINDOW_S * 1000)
        allowed, used, used_tokens, age, over_requests, over_tokens = await self._take(
            keys=[self._key("win", scenario, key), self._key("wsum", scenario, key)],
            args=[window_ms, tokens, -1 if rpm is None else rpm, -1 if tpm is None else tpm])
        reset_s = (window_ms - age) / 1000 if age >= 0 else 0.0
        return bool(allowed), {"rpm": rpm, "tpm": tpm,
                               "requests_left": None if rpm is None else max(0, rpm - used),
                               "tokens_left": None if tpm is None else max(0, tpm - used_tokens),
                               "reset_s": max(reset_s, 0.001),
                               "over": "tokens" if over_tokens and not over_requests else "requests"}

    @guarded
    async def snapshot(self) -> dict[str, dict[str, int]]:
        """Positions as JSON: {scenario: {key: position}}."""
        names = [name async for name in self.conn.client.scan_iter(match=self.conn.key("pos", "*"), count=1000)]
        values = await self.conn.client.mget(names) if names else []
        out: dict[str, dict[str, int]] = {}
        for name, value in zip(names, values):
            found = split_counted(self.conn, "pos", name.decode())
            if found is not None and value is not None:
                out.setdefault(found[0], {})[found[1]] = int(value)
        return out
