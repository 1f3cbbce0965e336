"""One pub/sub subscription per process, and broadcasts that return once every subscribed process handled them.

A broadcast carries an acknowledgement key; each process runs its handler for the channel and pushes to that
key, and the sender waits (at most `ACK_WAIT_S`) for as many pushes as PUBLISH reached subscribers. The
subscription reconnects by itself; on each (re)connection the `on_connect` callbacks run first, so a process
that missed messages while Redis was away catches up.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

import orjson

from ..core.errors import MockError
from .redis_conn import LOST, Connection, guarded

log = logging.getLogger("mockserver.state")
ACK_WAIT_S = 5.0  # how long a broadcast waits for the other processes before it goes on anyway
START_WAIT_S = 3.0  # how long the first request waits for the subscription when Redis is slow or away
Handler = Callable[[dict], Awaitable[None]]


class Channels:
    """This process's subscriptions: a handler per channel."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.origin = uuid.uuid4().hex  # this process, in every note it sends
        self.handlers: dict[str, Handler] = {}
        self.connected: list[Callable[[], Awaitable[None]]] = []
        self._listener: asyncio.Task | None = None
        self._tried: asyncio.Event | None = None

    def handle(self, channel: str, handler: Handler) -> None:
        """Run `handler(note)` for each note broadcast on `channel` (this process's own included)."""
        self.handlers[channel] = handler

    def on_connect(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` whenever the subscription is (re)established."""
        self.connected.append(callback)

    @guarded
    async def broadcast(self, channel: str, note: dict) -> int:
        """Publish `note` and wait until every subscribed process handled it; how many did."""
        client = self.conn.client
        ack = self.conn.key("ack", uuid.uuid4().hex)
        receivers = await client.publish(channel, orjson.dumps(note | {"ack": ack, "origin": self.origin}))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ACK_WAIT_S
        handled = 0
        while handled < receivers:
            left = deadline - loop.time()
            if left <= 0:
                log.warning("%s: %d of %d processes answered within %.0f s", channel, handled, receivers, ACK_WAIT_S)
                break
            if await client.blpop([ack], timeout=min(left, 1.0)):
                handled += 1
        await client.delete(ack)
        return handled

    async def start(self) -> None:
        """Subscribe in the background (reconnecting as needed); wait a little for the first connection."""
        if self._listener is None:
            self._tried = asyncio.Event()
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        try:
            await asyncio.wait_for(self._tried.wait(), START_WAIT_S)
        except asyncio.TimeoutError:
            log.warning("pub/sub: no answer from Redis at %s yet; going on", self.conn.shown)

    async def stop(self) -> None:
        """Unsubscribe."""
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None

    async def _listen(self) -> None:
        backoff = 0.0
        while True:
            pubsub = self.conn.listener.pubsub()
            try:
                await pubsub.subscribe(*self.handlers)
                for callback in self.connected:
                    await _safely(callback())
                backoff = 0.0
                self._tried.set()
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        await self._received(message["channel"].decode(), orjson.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except (*LOST, MockError) as exc:
                if not self._tried.is_set():
                    self._tried.set()
                    log.warning("pub/sub: Redis at %s unavailable (%s); retrying", self.conn.shown, exc)
            finally:
                try:
                    await pubsub.aclose()
                except LOST:
                    pass
            backoff = min(1.0, backoff * 2 or 0.05)
            await asyncio.sleep(backoff)

    async def _received(self, channel: str, note: dict) -> None:
        handler = self.handlers.get(channel)
        if handler is not None:
            await _safely(handler(note))
        await self.conn.client.rpush(note["ack"], self.origin)
        await self.conn.client.expire(note["ack"], int(ACK_WAIT_S) * 2)


async def _safely(work: Awaitable[None]) -> None:
    """Run a handler; a lost Redis ends the subscription (to reconnect), any other failure is logged."""
    try:
        await work
    except (*LOST, MockError):
        raise
    except Exception:
        log.exception("pub/sub: a handler failed")
