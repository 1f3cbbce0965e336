"""Server processes: each one started in its own session on a free loopback port, stopped by its pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerSpec:
    """How to start one server: argv with `{port}` placeholders, and the path that says it is up."""

    name: str
    argv: list[str]
    health: str
    cwd: Path | None = None


@dataclass
class Server:
    """A running server process."""

    spec: ServerSpec
    port: int
    process: subprocess.Popen
    started: float
    log: Path
    up_after: float | None = None

    @property
    def name(self) -> str:
        """The server's short name (mock, bare, steady, aimock)."""
        return self.spec.name

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The pid of the process the harness started."""
        return self.process.pid

    def wait_healthy(self, timeout: float = 90) -> float:
        """Poll the health path until it answers 200; return the seconds since the process started."""
        deadline = self.started + timeout
        with httpx.Client(timeout=1) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    if client.get(self.url + self.spec.health).status_code == 200:
                        self.up_after = time.monotonic() - self.started
                        return self.up_after
                except httpx.HTTPError:
                    pass
                time.sleep(0.005)
        raise RuntimeError(f"{self.name} did not answer {self.spec.health} within {timeout:.0f} s:\n{self.log_tail()}")

    def memory_kib(self) -> dict[str, int]:
        """VmRSS and VmHWM of the process, in KiB, from /proc/PID/status."""
        values = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
        return values

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server wrote."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM the process group the harness started (pgid = its pid, so a wrapper's child goes too), then SIGKILL."""
        if self.process.poll() is None:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def start(spec: ServerSpec, log_dir: Path) -> Server:
    """Start a server on a free port in its own session (process group = its pid)."""
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in spec.argv]
    log = log_dir / f"{spec.name}-{port}.log"
    with log.open("wb") as out:
        started = time.monotonic()
        process = subprocess.Popen(argv, cwd=spec.cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    return Server(spec, port, process, started, log)
