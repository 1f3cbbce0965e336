"""uvicorn's httptools protocol with a leaner request cycle: what `serve` and the test servers run.

The HTTP behaviour is uvicorn's (keep-alive, pipelining, `Expect: 100-continue`, chunked answers, HEAD, flow
control, the 500 for an app error); per request it spares what a mock answering in microseconds feels:
- the head waits for the first body bytes and leaves with them in one write (uvicorn writes the two apart: two
  system calls and two TCP segments); a head whose body is late (a paced stream) goes out on the next loop turn;
- the header names and values are checked with one scan each rather than two per header;
- a body that has fully arrived is handed over at once, without an `asyncio.Event` round trip;
- the keep-alive timeout takes one timer per idle spell, not a timer armed and cancelled per request.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any

import httptools
from uvicorn.protocols.http import httptools_impl as stock
from uvicorn.protocols.http.flow_control import service_unavailable

LARGE_BODY = 64 * 1024  # a body this big is written after the head rather than copied behind it
# The bytes uvicorn's HEADER_RE and HEADER_VALUE_RE allow in a response header's name and value.
NAME_BYTES = bytes(b for b in range(256) if not stock.HEADER_RE.match(bytes([b])))
VALUE_BYTES = bytes(b for b in range(256) if not stock.HEADER_VALUE_RE.match(bytes([b])))


class BodySignal:
    """The part of `asyncio.Event` the protocol uses (set, clear, wait), without its per-request machinery."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[asyncio.Future] | None = None

    def is_set(self) -> bool:
        """Whether something happened since the last `clear`."""
        return self._set

    def set(self) -> None:
        """Something happened (body bytes, the end of the body, a disconnect): wake the waiters."""
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        """Seen."""
        self._set = False

    async def wait(self) -> None:
        """Until `set`."""
        if self._set:
            return
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        await waiter


class Cycle(stock.RequestResponseCycle):
    """One request and its answer (uvicorn's `run_asgi` and 500 answer, a leaner `send` and `receive`)."""

    def __init__(self, protocol: "LeanHttpToolsProtocol", scope: dict, keep_alive: bool) -> None:
        # uvicorn's attributes, set directly: its keyword constructor costs more than the request it serves.
        self.scope = scope
        self.transport = protocol.transport
        self.flow = protocol.flow
        self.logger = protocol.logger
        self.access_logger = protocol.access_logger
        self.access_log = protocol.access_log
        self.default_headers = protocol.server_state.default_headers
        self.message_event = BodySignal()
        self.on_response = protocol.on_response_complete
        self.disconnected = False
        self.keep_alive = keep_alive
        self.waiting_for_100_continue = protocol.expect_100_continue
        self.body = bytearray()
        self.more_body = True
        self.response_started = False
        self.response_complete = False
        self.chunked_encoding: bool | None = None
        self.expected_content_length = 0
        self.loop = protocol.loop
        self.head = b""  # the response head, until the first body bytes (or the next loop turn) take it out

    async def receive(self) -> Any:
        """The request body (all of it when it has arrived: the usual case), then `http.disconnect`."""
        signal = self.message_event
        if not self.more_body and signal.is_set() and not (self.disconnected or self.response_complete
                                                           or self.waiting_for_100_continue):
            signal.clear()
            self.flow.resume_reading()
            body, self.body = self.body, bytearray()
            return {"type": "http.request", "body": bytes(body), "more_body": False}
        return await super().receive()

    async def send(self, message: Any) -> None:
        """Write the head (held for the first body bytes) and the body, as uvicorn's `send` does."""
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        if not self.response_started:
            if message["type"] != "http.response.start":
                raise RuntimeError(f"Expected ASGI message 'http.response.start', but got '{message['type']}'.")
            self.response_started = True
            self.waiting_for_100_continue = False
            self.head = self._head(message["status"], message.get("headers", ()))
            self.loop.call_soon(self._flush_head)  # for a body that takes longer than this turn of the loop
        elif not self.response_complete:
            if message["type"] != "http.response.body":
                self._flush_head()
                raise RuntimeError(f"Expected ASGI message 'http.response.body', but got '{message['type']}'.")
            self._write_body(message.get("body", b""), message.get("more_body", False))
        else:
            raise RuntimeError(f"Unexpected ASGI message '{message['type']}' sent, after response already completed.")

    def _head(self, status: int, headers: Any) -> bytes:
        """The status line and headers, checked as uvicorn checks them; notes the body's framing."""
        content = [stock.STATUS_LINE[status]]
        names: list[bytes] = []
        values: list[bytes] = []
        has_connection_close = False
        for name, value in (*self.default_headers, *headers):
            names.append(name)
            values.append(value)
            name = name.lower()
            if name == b"content-length" and self.chunked_encoding is None:
                self.expected_content_length = int(value.decode())
                self.chunked_encoding = False
            elif name == b"transfer-encoding" and value.lower() == b"chunked":
                self.expected_content_length = 0
                self.chunked_encoding = True
            elif name == b"connection":
                if b"close" in [token.lower().strip() for token in value.split(b",")]:
                    self.keep_alive = False
                    has_connection_close = True
            content += (name, b": ", value, b"\r\n")
        # One pass over all names and one over all values finds what uvicorn's scan per header would: deleting
        # the allowed bytes leaves the others (a translate costs a fraction of a regular expression's scan).
        if b"".join(names).translate(None, NAME_BYTES):
            raise RuntimeError("Invalid HTTP header name.")
        if b"".join(values).translate(None, VALUE_BYTES):
            raise RuntimeError("Invalid HTTP header value.")
        if self.access_log:
            self.access_logger.info('%s - "%s %s HTTP/%s" %d', stock.get_client_addr(self.scope),
                                    self.scope["method"], stock.get_path_with_query_string(self.scope),
                                    self.scope["http_version"], status)
        if not self.keep_alive and not has_connection_close:
            content.append(b"connection: close\r\n")
        if self.chunked_encoding is None and self.scope["method"] != "HEAD" and status not in (204, 304):
            self.chunked_encoding = True  # neither content-length nor transfer-encoding given
            content.append(b"transfer-encoding: chunked\r\n")
        content.append(b"\r\n")
        return b"".join(content)

    def _flush_head(self) -> None:
        head, self.head = self.head, b""
        if head and not self.disconnected and not self.transport.is_closing():
            self.transport.write(head)

    def _write_body(self, body: bytes, more_body: bool) -> None:
        head = self.head
        if self.scope["method"] == "HEAD":
            self.expected_content_length = 0
            out = head
        elif self.chunked_encoding:
            out = head + (b"%x\r\n%b\r\n" % (len(body), body) if body else b"") + (b"" if more_body else b"0\r\n\r\n")
        else:
            if len(body) > self.expected_content_length:
                self._flush_head()
                raise RuntimeError("Response content longer than Content-Length")
            self.expected_content_length -= len(body)
            if head and len(body) > LARGE_BODY:
                self.transport.write(head)
                out = body
            else:
                out = head + body
        self.head = b""
        if out:
            self.transport.write(out)
        if not more_body:
            if self.expected_content_length != 0:
                raise RuntimeError("Response content shorter than Content-Length")
            self.response_complete = True
            self.message_event.set()
            if not self.keep_alive:
                self.transport.close()
            self.on_response()


class LeanHttpToolsProtocol(stock.HttpToolsProtocol):
    """uvicorn's httptools protocol, starting each request on a `Cycle`.

    The keep-alive timeout is one timer per idle spell rather than one per request: uvicorn arms a timer when an
    answer completes and cancels it when the next request arrives (2.4 µs a request); here the timer, when it
    fires, looks at when the connection last went idle and arms itself again for the rest of the timeout.
    """

    idle_since: float | None = None  # loop time the last answer completed; None while a request is in progress

    def _unset_keepalive_if_required(self) -> None:
        self.idle_since = None  # busy: an armed timer that fires now finds nothing to close

    def on_response_complete(self) -> None:
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:  # a pipelined request waits: start it
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
            return
        self.idle_since = self.loop.time()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self._keep_alive_due)

    def _keep_alive_due(self) -> None:
        """Close the connection when it has been idle for the whole timeout, else look again when it would be."""
        self.timeout_keep_alive_task = None
        if self.idle_since is None:  # a request is in progress: its completion arms the timer again
            return
        remaining = self.idle_since + self.timeout_keep_alive - self.loop.time()
        if remaining > 0:
            self.timeout_keep_alive_task = self.loop.call_later(remaining, self._keep_alive_due)
        else:
            self.timeout_keep_alive_handler()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        parser = self.parser
        http_version = parser.get_http_version()
        scope = self.scope
        scope["method"] = parser.get_method().decode("ascii")
        if http_version != "1.1":
            scope["http_version"] = http_version
        if parser.should_upgrade() and self._should_upgrade():
            return
        parsed_url = httptools.parse_url(self.url)
        raw_path = parsed_url.path
        path = raw_path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        scope["path"] = self.root_path + path
        scope["raw_path"] = self.root_path.encode("ascii") + raw_path if self.root_path else raw_path
        scope["query_string"] = parsed_url.query or b""
        if self.limit_concurrency is not None and (len(self.connections) >= self.limit_concurrency
                                                   or len(self.tasks) >= self.limit_concurrency):
            app = service_unavailable
            self.logger.warning("Exceeded concurrency limit.")
        else:
            app = self.app
        existing_cycle = self.cycle
        self.cycle = Cycle(self, scope, http_version != "1.0" and parser.should_keep_alive())
        if existing_cycle is None or existing_cycle.response_complete:
            self._start_asgi_task(self.cycle, app)
        else:  # pipelined requests wait their turn
            self.flow.pause_reading()
            self.pipeline.appendleft((self.cycle, app))
