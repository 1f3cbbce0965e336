"""A mock server for a test session: started in a background thread on an ephemeral loopback port, or one
already running elsewhere (`--mockserver-url`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ..app import MockServer

START_TIMEOUT_S = 30.0


def start_in_thread(**settings: Any) -> tuple[str, "MockServer", Callable[[], None]]:
    """Serve a `MockServer(Settings(**settings))` with uvicorn in a daemon thread; its URL, the server, a stopper.

    `spec=` passes an already loaded `Spec`. Logging is left as the host process configured it.
    """
    import uvicorn

    from ..app import MockServer
    from ..cli import UVICORN_OPTIONS
    from ..settings import Settings

    spec = settings.pop("spec", None)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    mock = MockServer(Settings(port=port, **settings), spec=spec)
    config = uvicorn.Config(mock, log_level="warning", log_config=None, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=2, http=UVICORN_OPTIONS["http"],
                            server_header=UVICORN_OPTIONS["server_header"])
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"mockserver-{port}")
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    if not server.started:
        server.should_exit = True
        sock.close()
        raise RuntimeError(f"the mock server did not start on port {port} (see the log above)")

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

    return f"http://127.0.0.1:{port}", mock, stop


class SessionServer:
    """The mock a test session talks to: its URL, the base URL each SDK takes, and a client for `/_mock`."""

    def __init__(self, url: str, mock: "MockServer | None" = None, stop: Callable[[], None] | None = None) -> None:
        self.url = url.rstrip("/")
        self.mock = mock  # the in-process server (None for an external one)
        self._stop = stop
        self.control = httpx.Client(base_url=self.url, timeout=30, trust_env=False)

    @classmethod
    def start(cls, **settings: Any) -> "SessionServer":
        """A new server in this process (quiet off: its request lines go to the `mockserver` logger)."""
        url, mock, stop = start_in_thread(**settings)
        return cls(url, mock, stop)

    @classmethod
    def external(cls, url: str) -> "SessionServer":
        """A server someone else runs; it must answer its health check."""
        server = cls(url)
        try:
            server.control.get("/_mock/health").raise_for_status()
        except httpx.HTTPError as exc:
            server.close()
            raise RuntimeError(f"no mock server answers at {url} ({exc}): start one with `mockserver serve` "
                               "or drop --mockserver-url") from None
        return server

    @property
    def openai_base_url(self) -> str:
        """`base_url` for `openai.OpenAI` (and `OPENAI_BASE_URL`)."""
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        """`base_url` for `anthropic.Anthropic` (and `ANTHROPIC_BASE_URL`)."""
        return self.url

    @property
    def gemini_base_url(self) -> str:
        """`http_options.base_url` for `google.genai.Client` (and `GOOGLE_GEMINI_BASE_URL`)."""
        return self.url

    def close(self) -> None:
        """Stop the server this session started (an external one keeps running)."""
        self.control.close()
        if self._stop is not None:
            self._stop()
            self._stop = None
