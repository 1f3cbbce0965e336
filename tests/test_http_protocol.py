"""The HTTP/1.1 protocol the mock serves with (uvicorn's httptools protocol, leaner cycle), over raw sockets."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from uvicorn.importer import import_from_string

from mockserver.cli import UVICORN_OPTIONS
from mockserver.http_protocol import LeanHttpToolsProtocol

CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}).encode()
AUTH = b"Authorization: Bearer sk-test\r\n"


def request(path: str, body: bytes = b"", method: str = "POST", extra: bytes = b"", chunked: bool = False) -> bytes:
    """A raw HTTP/1.1 request (its body sent with a length, or in chunks)."""
    if chunked:
        body = b"".join(b"%x\r\n%b\r\n" % (len(part), part) for part in (body[:10], body[10:])) + b"0\r\n\r\n"
        extra += b"Transfer-Encoding: chunked\r\n"
    length = b"Content-Length: %d\r\n" % len(body) if method == "POST" and not chunked else b""
    return (f"{method} {path} HTTP/1.1\r\nHost: mock\r\n".encode() + AUTH + b"Content-Type: application/json\r\n"
            + length + extra + b"\r\n" + body)


class Reader:
    """Reads HTTP/1.1 responses off one socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buffer = sock, b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def head(self) -> tuple[int, dict[str, str]]:
        """The next status line and headers."""
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}

    def body(self, headers: dict[str, str], method: str = "POST") -> bytes:
        """The body the headers announce (content-length or chunked)."""
        if method == "HEAD":
            return b""
        if "content-length" in headers:
            size = int(headers["content-length"])
            while len(self.buffer) < size:
                self._fill()
            body, self.buffer = self.buffer[:size], self.buffer[size:]
            return body
        assert headers.get("transfer-encoding") == "chunked"
        out = b""
        while True:
            while b"\r\n" not in self.buffer:
                self._fill()
            size_line, self.buffer = self.buffer.split(b"\r\n", 1)
            size = int(size_line, 16)
            while len(self.buffer) < size + 2:
                self._fill()
            out, self.buffer = out + self.buffer[:size], self.buffer[size + 2:]
            if size == 0:
                return out

    def response(self, method: str = "POST") -> tuple[int, dict[str, str], bytes]:
        """A whole response."""
        status, headers = self.head()
        return status, headers, self.body(headers, method)


@pytest.fixture
def conn(server):
    """A raw keep-alive connection to the shared server."""
    host, port = httpx.URL(server.url).host, httpx.URL(server.url).port
    sock = socket.create_connection((host, port), timeout=10)
    yield sock, Reader(sock)
    sock.close()


def test_serve_and_the_test_servers_use_the_lean_protocol():
    assert import_from_string(UVICORN_OPTIONS["http"]) is LeanHttpToolsProtocol


def test_keep_alive_answers_requests_one_after_another(conn):
    sock, reader = conn
    ids = set()
    for _ in range(3):
        sock.sendall(request("/v1/chat/completions", CHAT))
        status, headers, body = reader.response()
        assert status == 200 and headers["content-type"] == "application/json"
        assert int(headers["content-length"]) == len(body) and json.loads(body)["object"] == "chat.completion"
        assert "date" in headers and "connection" not in headers and "server" not in headers  # no `server: uvicorn`
        ids.add(headers["x-request-id"])
    assert len(ids) == 3


def test_pipelined_requests_are_answered_in_order(conn):
    sock, reader = conn
    sock.sendall(request("/v1/chat/completions", CHAT) + request("/v1/models", method="GET")
                 + request("/v1/embeddings", json.dumps({"model": "text-embedding-3-small", "input": "x"}).encode()))
    objects = [json.loads(reader.response()[2])["object"] for _ in range(3)]
    assert objects == ["chat.completion", "list", "list"]


def test_expect_100_continue_gets_its_interim_answer_then_the_answer(conn):
    sock, reader = conn
    head = request("/v1/chat/completions", CHAT, extra=b"Expect: 100-continue\r\n")
    sock.sendall(head[:-len(CHAT)])
    status, _ = reader.head()
    assert status == 100
    sock.sendall(CHAT)
    status, headers, body = reader.response()
    assert status == 200 and json.loads(body)["choices"][0]["message"]["role"] == "assistant"


def test_head_sends_the_length_without_a_body_and_the_connection_goes_on(conn):
    sock, reader = conn
    sock.sendall(request("/v1/models", method="HEAD"))
    status, headers, body = reader.response("HEAD")
    assert status == 200 and int(headers["content-length"]) > 0 and body == b""
    sock.sendall(request("/v1/chat/completions", CHAT))
    assert reader.response()[0] == 200


def test_chunked_and_large_request_bodies_are_read_whole(conn):
    sock, reader = conn
    big = json.dumps({"model": "gpt-4o-mini", "max_tokens": 5,
                      "messages": [{"role": "user", "content": "word " * 60_000}]}).encode()  # past the read high water
    sock.sendall(request("/v1/chat/completions", big))
    status, _, body = reader.response()
    assert status == 200 and json.loads(body)["usage"]["prompt_tokens"] > 60_000
    sock.sendall(request("/v1/chat/completions", CHAT, chunked=True))
    status, _, body = reader.response()
    assert status == 200 and json.loads(body)["object"] == "chat.completion"


def test_a_stream_is_chunked_and_ends_with_the_last_chunk(conn):
    sock, reader = conn
    body = json.dumps({"model": "gpt-4o-mini", "stream": True, "max_tokens": 8,
                       "messages": [{"role": "user", "content": "hello"}]}).encode()
    sock.sendall(request("/v1/chat/completions", body))
    status, headers, payload = reader.response()
    assert status == 200 and headers["transfer-encoding"] == "chunked" and "content-length" not in headers
    assert payload.startswith(b"data: {") and payload.endswith(b"data: [DONE]\n\n")
    sock.sendall(request("/v1/chat/completions", CHAT))  # the connection is reusable after the last chunk
    assert reader.response()[0] == 200


def test_a_late_stream_sends_its_head_before_its_first_event(make_server, tmp_path):
    (tmp_path / "late.yaml").write_text("name: late\nmatch: {model: mock-late}\nstream: {ttft_ms: 60000}\n")
    running = make_server(scenarios_dir=tmp_path)
    url = httpx.URL(running.url)
    body = json.dumps({"model": "mock-late", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    with socket.create_connection((url.host, url.port), timeout=20) as sock:
        sock.sendall(request("/v1/chat/completions", body.encode()))
        status, headers = Reader(sock).head()  # a head held back for the first event would time out here
    assert status == 200 and headers["content-type"].startswith("text/event-stream")


def test_a_client_that_leaves_mid_stream_does_not_stop_the_server(server):
    url = httpx.URL(server.url)
    body = json.dumps({"model": "mock-slow", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    with socket.create_connection((url.host, url.port), timeout=20) as sock:
        sock.sendall(request("/v1/chat/completions", body.encode()))
        assert Reader(sock).head()[0] == 200
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer sk-test"}) as client:
        assert client.post("/v1/chat/completions", content=CHAT,
                           headers={"content-type": "application/json"}).status_code == 200


def test_garbage_gets_a_400_and_a_closed_connection(conn):
    sock, reader = conn
    sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    status, headers, _ = reader.response()
    assert status == 400 and headers.get("connection") == "close"


KEEP_ALIVE_S = 0.3


@pytest.fixture(scope="module")
def short_keep_alive():
    """A server on the lean protocol with a 0.3 s keep-alive timeout; POST answers after `?wait=` seconds, and
    `/bad-name` and `/bad-value` with a header uvicorn refuses to write."""
    import asyncio
    import threading
    import time as clock
    from urllib.parse import parse_qs

    import uvicorn

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await receive()
        wait = float(parse_qs(scope["query_string"].decode()).get("wait", ["0"])[0])
        if wait:
            await asyncio.sleep(wait)  # the server takes its time; the client waits on the socket
        extra = {"/bad-name": [(b"x bad", b"1")], "/bad-value": [(b"x-injected", b"1\r\nset-cookie: a=b")]}
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"2"), *extra.get(scope["path"], [])]})
        await send({"type": "http.response.body", "body": b"ok"})

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_keep_alive=KEEP_ALIVE_S,
                            http=UVICORN_OPTIONS["http"])
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        clock.sleep(0.005)
    yield sock.getsockname()
    server.should_exit = True
    thread.join(10)


def test_an_idle_keep_alive_connection_is_closed_after_the_timeout(short_keep_alive):
    with socket.create_connection(short_keep_alive, timeout=10) as sock:
        reader = Reader(sock)
        sock.sendall(request("/", b"{}"))
        assert reader.response()[0] == 200
        assert sock.recv(1) == b""  # the server closes it: an end of file, not the 10 s socket timeout


def test_a_busy_connection_outlives_the_keep_alive_timeout(short_keep_alive):
    import time as clock

    with socket.create_connection(short_keep_alive, timeout=10) as sock:
        reader = Reader(sock)
        answered, until = 0, clock.monotonic() + 4 * KEEP_ALIVE_S
        while clock.monotonic() < until or answered < 3:  # requests back to back, across several timeouts
            sock.sendall(request("/", b"{}"))
            status, _, body = reader.response()
            assert (status, body) == (200, b"ok")  # never a closed connection
            answered += 1
        sock.sendall(request("/?wait=%s" % (2 * KEEP_ALIVE_S), b"{}"))  # one answer slower than the timeout
        status, _, body = reader.response()
        assert (status, body) == (200, b"ok")
        sock.sendall(request("/", b"{}"))
        assert reader.response()[2] == b"ok"


@pytest.mark.parametrize("path", ["/bad-name", "/bad-value"])
def test_a_header_that_could_split_the_response_is_never_written(short_keep_alive, path):
    with socket.create_connection(short_keep_alive, timeout=10) as sock:
        sock.sendall(request(path, b"{}"))
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert b"set-cookie" not in received and b"x bad" not in received and not received.startswith(b"HTTP/1.1 200")
