"""The Redis connection of a shared state: one client, key names, Lua scripts, and a lost Redis as a 503."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from ..core.errors import MockError

try:
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import NoScriptError, RedisError
except ImportError as exc:  # the optional dependency
    raise ImportError("a redis:// state needs the redis package: pip install 'mockserver[redis]'") from exc

log = logging.getLogger("mockserver.state")
PREFIX = "mockserver:"
MAX_CONNECTIONS = 64  # per process
TTL_S = 24 * 3600  # how long an untouched entry lives (the memory stores are bounded by count instead)
LOST = (RedisError, OSError)
T = TypeVar("T")


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class Connection:
    """A client for one Redis URL: commands retry once (a connection Redis dropped), then fail fast."""

    def __init__(self, url: str, prefix: str = PREFIX) -> None:
        self.url = url
        self.shown = shown_url(url)
        self.prefix = prefix
        options: dict[str, Any] = {"retry": Retry(NoBackoff(), 1), "socket_connect_timeout": 2, "socket_timeout": 5}
        # more requests in flight than connections wait for one (the default pool fails them instead)
        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=MAX_CONNECTIONS, timeout=5, **options)
        self.client = aioredis.Redis.from_pool(pool)
        # pub/sub waits for messages without a deadline; a closed connection still ends the wait
        self.listener = aioredis.from_url(url, **(options | {"socket_timeout": None}))
        self.lost: str | None = None
        self._queue: list[tuple[tuple, asyncio.Future]] = []
        self._sending: set[asyncio.Task] = set()

    def key(self, *parts: str) -> str:
        """A key in this server's namespace."""
        return self.prefix + ":".join(parts)

    def script(self, source: str) -> "Script":
        """A Lua script, called by its digest (and sent again when a restarted Redis forgot it)."""
        return Script(self, source)

    def run(self, *command: Any) -> "asyncio.Future[Any]":
        """One command, sent with every other command issued in the same turn of the event loop.

        Requests in flight together share one round trip (a pipeline, not a transaction): the per-command
        cost of the client is what a request pays for shared state, so it is paid once per batch.
        """
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._queue.append((command, done))
        if len(self._queue) == 1:
            loop.call_soon(self._send_batch)  # after the other tasks ready in this turn queued theirs
        return done

    def _send_batch(self) -> None:
        batch, self._queue = self._queue, []
        task = asyncio.get_running_loop().create_task(self._pipeline(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _pipeline(self, batch: list[tuple[tuple, asyncio.Future]]) -> None:
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for command, _ in batch:
                    pipe.execute_command(*command)
                results = await pipe.execute(raise_on_error=False)
        except BaseException as exc:  # the connection failed: every command of the batch did
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc if isinstance(exc, Exception) else RedisError(repr(exc)))
            return
        for (_, done), result in zip(batch, results):
            if not done.done():
                if isinstance(result, Exception):
                    done.set_exception(result)
                else:
                    done.set_result(result)

    def unavailable(self, exc: BaseException) -> MockError:
        """The 503 a request gets while Redis is away (logged once per outage)."""
        reason = (str(exc) or type(exc).__name__).rstrip(".")
        if self.lost is None:
            log.warning("shared state: Redis at %s is unavailable (%s); requests that need shared state answer "
                        "503 until it is back", self.shown, reason)
        self.lost = reason
        return MockError(503, f"The mock server's shared state (Redis at {self.shown}) is unavailable: {reason}. "
                              "Requests that need stored responses, jobs or scenario state fail until it is back.",
                         code="state_unavailable", headers={"retry-after": "1"})

    def answered(self) -> None:
        """Redis answered: if it was away, say it is back."""
        if self.lost is not None:
            self.lost = None
            log.info("shared state: Redis at %s is back", self.shown)

    async def close(self) -> None:
        """Close both clients."""
        for client in (self.client, self.listener):
            try:
                await client.aclose()
            except LOST:
                pass


class Script:
    """A Lua script run through `Connection.run` (EVALSHA; loaded again after a NOSCRIPT)."""

    def __init__(self, conn: Connection, source: str) -> None:
        self.conn, self.source = conn, source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def __call__(self, keys: Sequence[str] = (), args: Sequence[Any] = ()) -> Any:
        """The script's result."""
        try:
            return await self.conn.run("EVALSHA", self.sha, len(keys), *keys, *args)
        except NoScriptError:
            await self.conn.client.script_load(self.source)
            return await self.conn.run("EVALSHA", self.sha, len(keys), *keys, *args)


def guarded(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """A store method whose Redis errors become the 503 `Connection.unavailable` describes."""

    @functools.wraps(method)
    async def call(self: Any, *args: Any, **kwargs: Any) -> T:
        conn: Connection = self.conn
        try:
            result = await method(self, *args, **kwargs)
        except LOST as exc:
            raise conn.unavailable(exc) from None
        if conn.lost is not None:
            conn.answered()
        return result

    return call


def counted_key(conn: Connection, kind: str, scenario: str, key: str) -> str:
    """A per-(scenario, key) key; the scenario's length comes first, so no name can pass for another."""
    return conn.key(kind, str(len(scenario)), f"{scenario}:{key}")


def split_counted(conn: Connection, kind: str, name: str) -> tuple[str, str] | None:
    """(scenario, key) of a `counted_key`, or None for a key of another shape."""
    rest = name[len(conn.key(kind, "")):]
    length, _, tail = rest.partition(":")
    if not length.isdigit() or len(tail) < int(length) + 1:
        return None
    return tail[:int(length)], tail[int(length) + 1:]


def glob_escape(text: str) -> str:
    """`text` as a literal inside a Redis SCAN pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


async def delete_matching(conn: Connection, pattern: str) -> None:
    """Delete every key that matches a SCAN pattern (a control-API reset, never a request's path)."""
    batch: list[bytes] = []
    async for name in conn.client.scan_iter(match=pattern, count=1000):
        batch.append(name)
        if len(batch) >= 500:
            await conn.client.unlink(*batch)
            batch = []
    if batch:
        await conn.client.unlink(*batch)


# INCR with expiry: the count before this one (sequence positions, chaos draws, id material).
COUNT = """
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return n - 1
"""
