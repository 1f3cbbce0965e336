"""A real mockserver on an ephemeral loopback port, for tests that talk HTTP to it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from mockserver import MockServer, Settings, create_app


@dataclass
class RunningServer:
    """A server started by a test: its base URL and the MockServer inside it."""

    url: str
    mock: MockServer

    @property
    def v1(self) -> str:
        """The OpenAI-style base URL (with /v1)."""
        return self.url + "/v1"


def start_server(**settings: object) -> tuple[RunningServer, Callable[[], None]]:
    """Start uvicorn in a thread on a free port; return the server and a stopper."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    mock = MockServer(Settings(port=port, quiet=True, **settings))
    config = uvicorn.Config(create_app(server=mock), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/_mock/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()

    return RunningServer(url, mock), stop


@pytest.fixture(scope="session")
def server() -> Iterator[RunningServer]:
    """One shared server with default settings."""
    running, stop = start_server()
    yield running
    stop()


@pytest.fixture
def make_server() -> Iterator[Callable[..., RunningServer]]:
    """Start servers with custom settings for one test."""
    stops: list[Callable[[], None]] = []

    def factory(**settings: object) -> RunningServer:
        running, stop = start_server(**settings)
        stops.append(stop)
        return running

    yield factory
    for stop in stops:
        stop()


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    """An httpx client on the shared server, with a key."""
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer sk-test"}, timeout=30) as client:
        yield client


@pytest.fixture
def oai(server: RunningServer):
    """An official openai client on the shared server, with retries off so errors surface at once."""
    import openai
    return openai.OpenAI(base_url=server.v1, api_key="sk-test", max_retries=0)


@pytest.fixture
def claude(server: RunningServer):
    """An official anthropic client on the shared server, with retries off."""
    import anthropic
    return anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0)
