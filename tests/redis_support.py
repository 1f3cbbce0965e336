"""A real redis-server for tests: on a free loopback port, no persistence, stopped (and restarted) by its pid."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

BINARY = shutil.which("redis-server") or shutil.which("valkey-server")
NEEDS_REDIS = pytest.mark.skipif(BINARY is None, reason="redis-server is not installed (make test installs Debian's "
                                                        "redis-server package; apt-get install redis-server)")


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server process; `stop` and `start` again keep the port (and lose the data, like a crash)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="mock-redis-"))
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        """Its URL, for `--state`."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "RedisServer":
        """Start it and wait until it answers PING."""
        assert BINARY is not None
        self.process = subprocess.Popen(
            [BINARY, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server did not start on port {self.port}:\n{log}")
            time.sleep(0.01)
        return self

    def answers(self) -> bool:
        """Whether it answers PING now."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *args: str) -> bytes:
        """Send one command (inline form) and return the raw reply (for flushing between tests)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall((" ".join(args) + "\r\n").encode())
            return sock.recv(65536)

    def stop(self) -> None:
        """Stop it (SIGTERM to its pid) and wait until it is gone."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def close(self) -> None:
        """Stop it and remove its directory."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class MockProcess:
    """`mockserver serve ARGS` as a user runs it, on a free port; stopped by its pid (its workers too)."""

    def __init__(self, *args: str, directory: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / f"mock-{self.port}.log"
        self.argv = [sys.executable, "-m", "mockserver", "serve", "--port", str(self.port), "--quiet", *args]
        self.process: subprocess.Popen | None = None
        self.pids: set[int] = set()  # the worker processes seen answering

    def start(self) -> "MockProcess":
        """Start the process (see `wait`)."""
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait(self, timeout: float = 120) -> "MockProcess":
        """Poll the health route until it answers."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mockserver exited with {self.process.returncode}:\n{self.log()}")
            try:
                response = httpx.get(self.url + "/_mock/health", timeout=2)
                if response.status_code == 200:
                    self.pids.add(response.json()["pid"])
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"mockserver did not answer within {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        """What it printed so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM to the process it started (uvicorn stops its workers), then any worker still there."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for pid in self.pids - {self.process.pid}:
            if _is_ours(pid, self.argv):
                os.kill(pid, signal.SIGKILL)
        self.process = None


def _is_ours(pid: int, argv: list[str]) -> bool:
    """Whether `pid` is still a process of this command line (not a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"mockserver" in cmdline or argv[0].encode() in cmdline
