"""Scenarios added and removed at run time, shared through Redis: a hash, a set and a version, plus pub/sub.

A change is one Lua script; then it is published, and the call returns once every subscribed process has
applied it (each pushes an acknowledgement), so a request right after `POST /_mock/scenarios` sees the new
scenario whichever worker or instance it reaches. Requests never ask Redis about scenarios.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import orjson

from ..core.errors import MockError
from .base import BaseScenarioSet, Codec, OnChange, Overlay
from .redis_conn import LOST, Connection, guarded

log = logging.getLogger("mockserver.state")
ACK_WAIT_S = 5.0  # how long a change waits for the other processes before it answers anyway
START_WAIT_S = 3.0  # how long the first request waits for the first sync when Redis is slow or away

# KEYS: added (hash), version, removed (set). ARGV: name, document, name, document, ...
ADD = """
local v = redis.call('INCR', KEYS[2])
for i = 1, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], string.format('%d:%d:', v, i) .. ARGV[i + 1])
end
return v
"""
REMOVE = """
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return redis.call('INCR', KEYS[2])
"""
RESET = """
redis.call('DEL', KEYS[1], KEYS[3])
return redis.call('INCR', KEYS[2])
"""


class RedisScenarioSet(BaseScenarioSet):
    """The scenario changes every process sharing this Redis applies."""

    def __init__(self, conn: Connection, codec: Codec) -> None:
        self.conn, self.codec = conn, codec
        self.keys = [conn.key("scenarios", "added"), conn.key("scenarios", "version"),
                     conn.key("scenarios", "removed")]
        self.channel = conn.key("scenarios", "changes")
        self.origin = uuid.uuid4().hex  # this process, so it skips its own announcements
        self._add, self._remove, self._reset = conn.script(ADD), conn.script(REMOVE), conn.script(RESET)
        self._watchers: list[OnChange] = []
        self._decoded: dict[bytes, Any] = {}
        self._listener: asyncio.Task | None = None
        self._tried: asyncio.Event | None = None

    @guarded
    async def load(self) -> Overlay:
        """The changes as Redis holds them (scenarios rebuilt only when their document changed)."""
        async with self.conn.client.pipeline(transaction=True) as pipe:
            added, removed, version = await pipe.hgetall(self.keys[0]).smembers(self.keys[2]).get(
                self.keys[1]).execute()
        ordered = []
        for raw in added.values():
            version_at, index, document = raw.split(b":", 2)
            ordered.append((int(version_at), int(index), document))
        decoded = {}
        for _, _, document in sorted(ordered):
            found = self._decoded.get(document)
            decoded[document] = found if found is not None else self.codec.load(orjson.loads(document))
        self._decoded = decoded
        return Overlay(int(version or 0), list(decoded.values()), {name.decode() for name in removed})

    async def add(self, scenarios: list[Any]) -> None:
        """Add (or replace by name) scenarios everywhere."""
        args: list[Any] = []
        for scenario in scenarios:
            args += [scenario.name, orjson.dumps(self.codec.dump(scenario))]
        await self._announce(await self._change(self._add, args), files=False)

    async def remove(self, name: str) -> None:
        """Remove a scenario by name everywhere."""
        await self._announce(await self._change(self._remove, [name]), files=False)

    async def reset(self) -> None:
        """Forget every change; every process reloads its scenario files."""
        await self._announce(await self._change(self._reset, []), files=True)

    def watch(self, on_change: OnChange) -> None:
        """Call `on_change` when another process changes the set, and on every (re)connection."""
        self._watchers.append(on_change)

    @guarded
    async def _change(self, script: Any, args: list[Any]) -> int:
        return await script(keys=self.keys, args=args)

    @guarded
    async def _announce(self, version: int, files: bool) -> None:
        client = self.conn.client
        ack = self.conn.key("scenarios", "ack", uuid.uuid4().hex)
        note = orjson.dumps({"version": version, "files": files, "ack": ack, "origin": self.origin})
        receivers = await client.publish(self.channel, note)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ACK_WAIT_S
        acknowledged = 0
        while acknowledged < receivers:
            left = deadline - loop.time()
            if left <= 0:
                log.warning("scenario change %d: %d of %d processes confirmed within %.0f s", version,
                            acknowledged, receivers, ACK_WAIT_S)
                break
            if await client.blpop([ack], timeout=min(left, 1.0)):
                acknowledged += 1
        await client.delete(ack)

    # ------------------------------------------------------------------ the listener

    async def start(self) -> None:
        """Subscribe (in the background, reconnecting as needed); wait a little for the first sync."""
        if self._listener is None:
            self._tried = asyncio.Event()
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        try:
            await asyncio.wait_for(self._tried.wait(), START_WAIT_S)
        except asyncio.TimeoutError:
            log.warning("scenario changes: no answer from Redis at %s yet; going on", self.conn.shown)

    async def stop(self) -> None:
        """Stop listening."""
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None

    async def _listen(self) -> None:
        backoff = 0.0
        while True:
            pubsub = self.conn.listener.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                await self._tell(False)  # whatever changed while this process was not subscribed
                backoff = 0.0
                self._tried.set()
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        await self._received(orjson.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except (*LOST, MockError) as exc:
                if not self._tried.is_set():
                    self._tried.set()
                    log.warning("scenario changes: Redis at %s unavailable (%s); retrying", self.conn.shown, exc)
            finally:
                try:
                    await pubsub.aclose()
                except LOST:
                    pass
            backoff = min(1.0, backoff * 2 or 0.05)
            await asyncio.sleep(backoff)

    async def _received(self, note: dict) -> None:
        if note.get("origin") != self.origin:
            await self._tell(bool(note.get("files")))
        await self.conn.client.rpush(note["ack"], self.origin)
        await self.conn.client.expire(note["ack"], int(ACK_WAIT_S) * 2)

    async def _tell(self, files: bool) -> None:
        for watcher in self._watchers:
            try:
                await watcher(files)
            except (*LOST, MockError):
                raise
            except Exception:  # a scenario that no longer builds must not stop the listener
                log.exception("scenario changes: applying them failed")
