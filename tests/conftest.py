"""A real mockserver on an ephemeral loopback port, for tests that talk HTTP to it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from mockserver import MockServer
from mockserver.spec import Spec
from mockserver.testing import start_in_thread

_SPEC: Spec | None = None


def shared_spec() -> Spec:
    """The shipped spec, loaded once per test session (every server of the session shares it)."""
    global _SPEC
    if _SPEC is None:
        _SPEC = Spec.load()
    return _SPEC


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
    """Start uvicorn in a thread on a free port; return the server and a stopper (the shipped spec unless `spec=`)."""
    spec = settings.pop("spec", None) or (shared_spec() if "spec_path" not in settings else None)
    url, mock, stop = start_in_thread(quiet=True, spec=spec, **settings)
    return RunningServer(url, mock), stop


def eventually(check: Callable[[], object], timeout: float = 10.0) -> object:
    """Poll `check` until it returns something truthy (or the timeout passes); return its last result."""
    deadline = time.monotonic() + timeout
    result = check()
    while not result and time.monotonic() < deadline:
        time.sleep(0.02)
        result = check()
    return result


@pytest.fixture(scope="session")
def spec() -> Spec:
    """The shipped spec."""
    return shared_spec()


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
