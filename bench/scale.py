"""The `scale` workload: `--workers 2` against one worker, and Redis state against memory, in one run.

Three mocks on one redis-server (started here on a free port, no persistence): one process with the state in
memory (`mockserver serve`, the default), one process with `--state redis://...`, and `--workers 2 --state
redis://...`. Each answers two request shapes: a Chat Completion (the state it touches is the journal) and a
stored Responses call (a write to the response store too). Rounds alternate the order (A B C, then C B A) so a
drift in the machine's load does not favour one server; the figures are the rounds' means.

Besides requests/s, each run reads the CPU time the server's processes and redis-server used (/proc), so the
cost of Redis state is also CPU per request: a figure other load on the machine moves much less than req/s.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import procs
import shapes

if TYPE_CHECKING:
    from run import Bench

RESPONSES = shapes._post("responses", "/v1/responses", shapes.BEARER, {
    "model": "gpt-4.1", "store": True, "input": f"Remember this, take {shapes.MARK}."})
SHAPES = [shapes.CHAT, RESPONSES]
SERVERS = [("one-memory", [], "1 process, state in memory"), ("one-redis", ["--state"], "1 process, Redis state"),
           ("two-redis", ["--state", "--workers", "2"], "--workers 2, Redis state")]
ROUNDS = 3


def redis_binary(install: bool) -> str | None:
    """redis-server (or valkey-server) from PATH, or Debian's package installed when we may."""
    found = shutil.which("redis-server") or shutil.which("valkey-server")
    if found or not install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("bench: installing redis-server (apt-get install redis-server)", file=sys.stderr)
    if subprocess.run(["apt-get", "update", "-qq"], capture_output=True).returncode == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], capture_output=True)
    return shutil.which("redis-server")


def start_redis(binary: str, work: Path) -> tuple[subprocess.Popen, str]:
    """A redis-server on a free loopback port; its process and URL."""
    port = procs.free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                "no", "--dir", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.02)
    process.kill()
    raise RuntimeError(f"redis-server did not answer on port {port}")


def cpu_seconds(groups: set[int]) -> float:
    """User + system CPU seconds of the live processes in these process groups."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in groups:  # pgrp; utime and stime follow at 11 and 12
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the process the harness started, by its pid."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def measure(bench: "Bench") -> None:
    """Requests/s of the three servers on both shapes; speed-up of two workers and the cost of Redis state."""
    binary = redis_binary(not bench.args.no_install)
    if binary is None:
        bench.notes.append("scale: redis-server is missing (installs disabled or not allowed); not measured")
        return
    redis, url = start_redis(binary, bench.work)
    bench.stack.callback(stop, redis)
    base = bench.spec("mock")
    servers = {}
    for name, extra, _ in SERVERS:
        argv = [*base.argv, *(a for part in extra for a in ([part, url] if part == "--state" else [part]))]
        servers[name] = bench.start(dataclasses.replace(base, name=name, argv=argv))
    for server in servers.values():
        server.wait_healthy()
    run = bench._plain_runner()
    figures: dict[str, dict[str, list]] = {s.name: {name: [] for name, _, _ in SERVERS} for s in SHAPES}
    for round_number in range(ROUNDS):
        order = list(servers.items()) if round_number % 2 == 0 else list(reversed(servers.items()))
        for shape in SHAPES:
            for name, server in order:
                if bench.args.warmup:
                    run(server.url, shape, bench.args.warmup, bench.args.connections)
                groups = {server.pid, redis.pid}
                before = cpu_seconds(groups)
                result = run(server.url, shape, bench.args.seconds, bench.args.connections)
                cpu_us = 1e6 * (cpu_seconds(groups) - before) / max(1, result.requests)
                figures[shape.name][name].append((result, cpu_us))
                print(f"bench: scale      {shape.name:<9} {name:<10} {result.rps:10,.0f} req/s  p99 "
                      f"{result.p99_ms:7.2f} ms  {cpu_us:6.0f} CPU us/request  errors {result.errors}",
                      file=sys.stderr)
    for server in servers.values():
        server.stop()
    bench.results["scale"] = summarise(figures) | {"rounds": ROUNDS, "seconds": bench.args.seconds,
                                                   "connections": bench.args.connections,
                                                   "generator": bench.generator}


def summarise(figures: dict[str, dict[str, list]]) -> dict:
    """Means per shape and server, and the two ratios the README quotes."""
    shapes_out = {}
    for shape, by_server in figures.items():
        rows = {name: {"rps": round(statistics.mean(r.rps for r, _ in runs), 1),
                       "p50_ms": round(statistics.mean(r.p50_ms for r, _ in runs), 2),
                       "p99_ms": round(statistics.mean(r.p99_ms for r, _ in runs), 2),
                       "cpu_us_per_request": round(statistics.mean(cpu for _, cpu in runs), 1),
                       "errors": sum(r.errors for r, _ in runs), "runs_rps": [round(r.rps, 1) for r, _ in runs]}
                for name, runs in by_server.items()}
        memory, redis, two = (rows[n]["rps"] for n in ("one-memory", "one-redis", "two-redis"))
        cpu_memory, cpu_redis = (rows[n]["cpu_us_per_request"] for n in ("one-memory", "one-redis"))
        shapes_out[shape] = {"rows": rows, "workers_vs_one": round(two / memory, 3) if memory else None,
                             "workers_vs_one_redis": round(two / redis, 3) if redis else None,
                             "redis_cost_pct": round(100 * (1 - redis / memory), 1) if memory else None,
                             "redis_cpu_cost_pct": round(100 * (cpu_redis / cpu_memory - 1), 1) if cpu_memory else None}
    return {"shapes": shapes_out}


def table(section: dict) -> str:
    """The workload's Markdown table."""
    lines = ["### Scale-out: `--workers 2` and Redis state (requests/s, mean of "
             f"{section['rounds']} rounds of {section['seconds']:g} s, {section['connections']} connections)", "",
             "| request | " + " | ".join(label for _, _, label in SERVERS)
             + " | 2 workers ÷ 1 (memory) | 2 workers ÷ 1 (Redis) | Redis cost: req/s | Redis cost: CPU/request |",
             "| --- |" + " --- |" * (len(SERVERS) + 4)]
    for shape, found in section["shapes"].items():
        rows = found["rows"]
        cells = [f"{rows[name]['rps']:,.0f} (p99 {rows[name]['p99_ms']:.1f} ms, {rows[name]['cpu_us_per_request']:.0f} "
                 "µs CPU)" for name, _, _ in SERVERS]
        lines.append(f"| {shape} | " + " | ".join(cells) + f" | {found['workers_vs_one']:.2f}× | "
                     f"{found['workers_vs_one_redis']:.2f}× | {found['redis_cost_pct']:+.1f} % | "
                     f"{found['redis_cpu_cost_pct']:+.1f} % |")
    return "\n".join(lines)
