"""Run `mockserver` as a user does: a real process, its own working directory, its stderr in a file."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

MOCKSERVER = [sys.executable, "-m", "mockserver"]


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(*args: str, cwd: Path, command: list[str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`mockserver ARGS` to completion."""
    return subprocess.run([*(command or MOCKSERVER), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@dataclass
class CliServer:
    """A `mockserver serve` process and the file its output goes to."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 10) -> str:
        """The log once it contains `needle` (polled)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            if needle in text:
                return text
            time.sleep(0.02)
        raise AssertionError(f"{needle!r} never appeared in the server log:\n{self.log()}")


@contextmanager
def cli_server(*args: str, cwd: Path, command: list[str] | None = None) -> Iterator[CliServer]:
    """`mockserver serve ARGS` on a free port, until the block ends."""
    port = free_port()
    log_path = cwd / f"serve-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([*(command or MOCKSERVER), "serve", "--port", str(port), *args], cwd=cwd,
                                   stdout=log, stderr=subprocess.STDOUT)
    server = CliServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"mockserver serve exited with {process.returncode}:\n{server.log()}")
            try:
                if httpx.get(server.url + "/_mock/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"mockserver serve did not come up:\n{server.log()}")
            time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
