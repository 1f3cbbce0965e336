"""Scenarios added and removed at run time, shared through Redis: a hash, a set and a version, plus pub/sub.

A change is one Lua script; then it is broadcast, and the call returns once every subscribed process has
applied it, so a request right after `POST /_mock/scenarios` sees the new scenario whichever worker or
instance it reaches. Requests never ask Redis about scenarios.
"""

from __future__ import annotations

from typing import Any

import orjson

from .base import BaseScenarioSet, Codec, OnChange, Overlay
from .redis_conn import Connection, guarded
from .redis_pubsub import Channels

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

    def __init__(self, conn: Connection, codec: Codec, channels: Channels) -> None:
        self.conn, self.codec, self.channels = conn, codec, channels
        self.keys = [conn.key("scenarios", "added"), conn.key("scenarios", "version"),
                     conn.key("scenarios", "removed")]
        self.channel = conn.key("scenarios", "changes")
        self._add, self._remove, self._reset = conn.script(ADD), conn.script(REMOVE), conn.script(RESET)
        self._watchers: list[OnChange] = []
        self._decoded: dict[bytes, Any] = {}
        channels.handle(self.channel, self._received)
        channels.on_connect(lambda: self._tell(False))  # whatever changed while this process was not subscribed

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

    async def _announce(self, version: int, files: bool) -> None:
        await self.channels.broadcast(self.channel, {"version": version, "files": files})

    async def _received(self, note: dict) -> None:
        if note.get("origin") != self.channels.origin:  # the process that made the change applies it itself
            await self._tell(bool(note.get("files")))

    async def _tell(self, files: bool) -> None:
        for watcher in self._watchers:
            await watcher(files)
