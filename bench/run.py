"""The mock against the limit (a bare Starlette endpoint) and its peers (steady, aimock), in one run.

Every server is its own process on an ephemeral loopback port, started and stopped by this harness. Request
bodies carry a counter, so no two requests are alike. Workloads (`--only`, comma-separated):

  chat        validated non-streaming Chat Completion         mock, bare, steady, aimock   req/s, p50/p99
  messages    Anthropic message                               mock, bare, steady, aimock   req/s, p50/p99
  embeddings  embeddings call                                 mock, bare, steady, aimock   req/s, p50/p99
  stream      unpaced 64-chunk chat streams                   mock, bare, aimock           SSE frames/s
  paced       1,000 concurrent streams at 20 tokens/s         mock, bare                   schedule error p50/p99
  memory      RSS after warm-up and after N mixed requests    mock                         growth %
  startup     process start to the first 200 from /health     mock, bare, steady, aimock   median seconds
  scale       --workers 2 vs one process, Redis state vs memory  mock (3 ways, one redis-server)  req/s ratios

Load: wrk (installed with apt-get when missing) with a Lua script, or an asyncio httpx client (`--load python`).
Streams are read by an asyncio client on raw sockets. Results: a Markdown table per workload, a summary table
for the README, and the raw figures as JSON in bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import resource
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import TypeVar
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import httpx

import load
import procs
import report
import scale
import shapes
import sse
import tools

ROOT = tools.ROOT
T = TypeVar("T")
RESULTS = ROOT / "bench" / "results"
SERVERS = ["mock", "bare", "steady", "aimock"]
WORKLOADS = {
    "chat": (shapes.CHAT, ["mock", "bare", "steady", "aimock"]),
    "messages": (shapes.MESSAGES, ["mock", "bare", "steady", "aimock"]),
    "embeddings": (shapes.EMBEDDINGS, ["mock", "bare", "steady", "aimock"]),
    "stream": (shapes.STREAM, ["mock", "bare", "aimock"]),
    "paced": (None, ["mock", "bare"]),
    "memory": (None, ["mock"]),
    "startup": (None, ["mock", "bare", "steady", "aimock"]),
    "scale": (None, ["mock"]),
}
SHARED = ("chat", "messages", "embeddings", "stream", "paced")  # workloads run against the long-lived servers


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8, help="measured seconds per server and workload (8)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds before each measurement (2)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per server for plain requests and streams, order alternating; the median "
                             "round is reported (3)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (32)")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="workloads, comma-separated (all)")
    parser.add_argument("--servers", default=",".join(SERVERS), help="servers, comma-separated (all)")
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator: wrk when available (auto), or the asyncio client")
    parser.add_argument("--no-install", action="store_true", help="never install wrk or the npm peers")
    parser.add_argument("--stream-concurrency", type=int, default=None, help="concurrent streams (--connections)")
    parser.add_argument("--paced-streams", type=int, default=1000, help="concurrent paced streams (1000)")
    parser.add_argument("--paced-tokens", type=int, default=40, help="content chunks per paced stream (40)")
    parser.add_argument("--tokens-per-second", type=float, default=20, help="pace of the paced streams (20)")
    parser.add_argument("--memory-requests", type=int, default=50_000,
                        help="mixed requests between the two RSS readings (50,000; the issue asks 1,000,000)")
    parser.add_argument("--memory-warmup", type=int, default=100_000,
                        help="mixed requests before the first reading (100,000: every store full to its bound; the "
                             "job table's 10,000 fill after 80,000, as one request in eight submits a job)")
    parser.add_argument("--startup-runs", type=int, default=3, help="starts per server for the start-up time (3)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the raw results (bench/results/)")
    args = parser.parse_args(argv)
    args.only = _choose(parser, "--only", args.only, list(WORKLOADS))
    args.servers = _choose(parser, "--servers", args.servers, SERVERS)
    args.stream_concurrency = args.stream_concurrency or args.connections
    return args


def _choose(parser: argparse.ArgumentParser, flag: str, value: str, known: list[str]) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in known]
    if unknown:
        parser.error(f"{flag}: unknown {', '.join(unknown)} (known: {', '.join(known)})")
    return [v for v in known if v in chosen]


class Bench:
    """One run: the tools, the servers it started, and the results so far."""

    def __init__(self, args: argparse.Namespace, stack: ExitStack, work: Path) -> None:
        self.args = args
        self.stack = stack
        self.work = work
        self.servers: dict[str, procs.Server] = {}
        self.started: list[dict] = []
        self.results: dict[str, dict] = {}
        self.notes: list[str] = []
        self.wrk = tools.ensure_wrk(not args.no_install) if args.load != "python" else tools.Tool(None, "", "")
        if args.load == "wrk" and self.wrk.argv is None:
            raise SystemExit(f"bench: --load wrk: {self.wrk.note}")
        if args.load == "auto" and self.wrk.argv is None:
            self.notes.append(f"{self.wrk.note}; the asyncio client measures instead")
        wanted = {s for w in args.only for s in WORKLOADS[w][1]} & set(args.servers)
        self.peers = tools.ensure_peers(not args.no_install) if wanted & {"steady", "aimock"} else {}
        for name, tool in self.peers.items():
            if tool.argv is None and name in wanted:
                self.notes.append(f"{name}: {tool.note}; not measured")
        self.generator = "wrk" if self.wrk.argv else "python"

    # servers -----------------------------------------------------------------------------------------------

    def spec(self, name: str, bare_files: list[tuple[str, Path]] | None = None) -> procs.ServerSpec | None:
        """How to start `name`, or None when it is not available."""
        if name == "mock":
            script = Path(sys.executable).with_name("mockserver")
            argv = [str(script)] if script.exists() else [sys.executable, "-m", "mockserver.cli"]
            return procs.ServerSpec("mock", argv + ["serve", "--host", "127.0.0.1", "--port", "{port}", "--quiet",
                                                    "--log-level", "warning"], "/_mock/health", ROOT)
        if name == "bare":
            routes = [f"{path}={file}" for path, file in bare_files or []]
            return procs.ServerSpec("bare", [sys.executable, str(ROOT / "bench" / "baseline_app.py"), "{port}",
                                             *routes], "/_bare/health", ROOT)
        tool = self.peers.get(name)
        if tool is None or tool.argv is None:
            return None
        if name == "steady":
            return procs.ServerSpec("steady", tool.argv + ["-p", "{port}", "--host", "127.0.0.1", "-q",
                                                           str(ROOT / "specs" / "gateway.openapi.yaml")],
                                    "/_x-steady/health", ROOT)
        fixtures = tools.aimock_fixtures(self.work / "aimock-fixtures.json")
        return procs.ServerSpec("aimock", tool.argv + ["-p", "{port}", "-h", "127.0.0.1", "-f", str(fixtures),
                                                       "--log-level", "silent"], "/health", ROOT)

    def start(self, spec: procs.ServerSpec) -> procs.Server:
        """Start a server; it is stopped when the run ends, whatever happens."""
        server = procs.start(spec, self.work)
        self.stack.callback(server.stop)
        self.started.append({"name": spec.name, "pid": server.pid, "port": server.port, "argv": server.process.args})
        return server

    def start_shared(self) -> None:
        """The long-lived servers the throughput workloads need (the mock first: bare serves its bytes)."""
        shared = [w for w in self.args.only if w in SHARED]
        wanted = [s for s in SERVERS if s in self.args.servers and any(s in WORKLOADS[w][1] for w in shared)]
        if not wanted:
            return
        pending = {}
        for name in ("mock", "steady", "aimock"):
            if name in wanted or (name == "mock" and "bare" in wanted):
                spec = self.spec(name)
                if spec is not None:
                    pending[name] = self.start(spec)
        for name, server in pending.items():
            server.wait_healthy()
            print(f"bench: {name} up on :{server.port} (pid {server.pid}) after {server.up_after:.2f} s", file=sys.stderr)
            self.servers[name] = server
        if "bare" in wanted:
            bare = self.start(self.spec("bare", self.capture_mock_answers()))
            bare.wait_healthy()
            self.servers["bare"] = bare

    def capture_mock_answers(self) -> list[tuple[str, Path]]:
        """The mock's answer to each workload's request number 0: the bytes the bare endpoint will send.

        The paced stream is captured unpaced (no scenario yet): the same frames, which bare sends on schedule.
        """
        files = []
        mock = self.servers["mock"]
        for name in self.args.only:
            shape = self.paced_shape() if name == "paced" else WORKLOADS[name][0]
            if shape is None:
                continue
            response = httpx.request(shape.method, mock.url + shape.path, headers=shape.headers,
                                     content=shape.render(0), timeout=30)
            response.raise_for_status()
            file = self.work / f"{name}.{ {'stream': 'sse', 'paced': 'paced'}.get(name, 'json') }"
            file.write_bytes(response.content)
            files.append((shape.path, file))
        return files

    def paced_shape(self) -> shapes.Shape:
        """The paced workload's request."""
        return shapes.paced(self.args.paced_tokens, self.args.tokens_per_second)

    # workloads --------------------------------------------------------------------------------------------

    def measure_requests(self, workload: str) -> None:
        """requests/s and latency of each server on one request shape (the median of alternating rounds)."""
        shape = WORKLOADS[workload][0]
        rows: dict[str, dict] = {}
        names = []
        for name in self._targets(workload):
            problem = probe(self.servers[name].url, shape)
            if problem:
                rows[name] = {"skipped": problem}
            else:
                names.append(name)
        run = self._plain_runner()

        def measure(name: str, warm: bool) -> load.LoadResult:
            url = self.servers[name].url
            if warm and self.args.warmup:
                run(url, shape, self.args.warmup, self.args.connections)
            result = run(url, shape, self.args.seconds, self.args.connections)
            print(f"bench: {workload:<10} {name:<7} {result.rps:10,.0f} req/s  p50 {result.p50_ms:7.2f} ms  "
                  f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}", file=sys.stderr)
            return result

        for name, results in self._rounds(names, measure).items():
            middle = median_of(results, lambda r: r.rps)
            rows[name] = middle.as_dict() | {"rounds_rps": [round(r.rps) for r in results],
                                             "loadavg": os.getloadavg()[0]}
        self._ratios(rows, "rps")
        self.results[workload] = {"shape": {"method": shape.method, "path": shape.path},
                                  "generator": self.generator, "connections": self.args.connections,
                                  "seconds": self.args.seconds, "rounds": self.args.rounds, "servers": rows}

    def measure_streams(self) -> None:
        """SSE frames/s of unpaced 64-chunk streams (the median of alternating rounds)."""
        shape = WORKLOADS["stream"][0]
        rows: dict[str, dict] = {}
        concurrency = self.args.stream_concurrency

        def measure(name: str, warm: bool) -> sse.StreamThroughput:
            url = self.servers[name].url
            if warm and self.args.warmup:
                sse.stream_throughput(url, shape, self.args.warmup, concurrency)
            result = sse.stream_throughput(url, shape, self.args.seconds, concurrency)
            print(f"bench: stream     {name:<7} {result.frames_per_s:10,.0f} frames/s  "
                  f"{result.content_frames_per_stream:.0f} content chunks a stream  errors {result.errors}",
                  file=sys.stderr)
            return result

        for name, results in self._rounds(self._targets("stream"), measure).items():
            finished = [r for r in results if r.streams]
            if not finished:
                rows[name] = {"skipped": f"no stream completed ({sum(r.errors for r in results)} errors)"}
                continue
            middle = median_of(finished, lambda r: r.frames_per_s)
            rows[name] = middle.as_dict() | {"rounds_frames_per_s": [round(r.frames_per_s) for r in finished],
                                             "loadavg": os.getloadavg()[0]}
        self._ratios(rows, "frames_per_s")
        self.results["stream"] = {"concurrency": concurrency, "seconds": self.args.seconds,
                                  "rounds": self.args.rounds, "servers": rows}

    def _rounds(self, names: list[str], measure: Callable[[str, bool], T]) -> dict[str, list[T]]:
        """`measure` each server `--rounds` times, the order reversed every round, so drifts in the machine's
        load fall on every server alike; the first round warms each server up."""
        results: dict[str, list[T]] = {name: [] for name in names}
        for index in range(max(1, self.args.rounds)):
            for name in names if index % 2 == 0 else names[::-1]:
                results[name].append(measure(name, index == 0))
        return results

    def measure_paced(self) -> None:
        """Schedule error of many concurrent paced streams: the mock (a scenario paces it) and bare (exact timer)."""
        tps, tokens = self.args.tokens_per_second, self.args.paced_tokens
        rows = {}
        for name in self._targets("paced"):
            url = self.servers[name].url
            if name == "mock":
                httpx.post(url + "/_mock/scenarios", json=shapes.paced_scenario(tps), timeout=10).raise_for_status()
            try:
                result = sse.paced_schedule(url, self.paced_shape(), self.args.paced_streams, tps,
                                            timeout=60 + 10 * tokens / tps)
            finally:
                if name == "mock":
                    httpx.delete(url + "/_mock/scenarios/bench-paced", timeout=10)
            rows[name] = result.as_dict() | {"loadavg": os.getloadavg()[0]}
            print(f"bench: paced      {name:<7} {result.completed}/{result.streams} streams, lateness p50 "
                  f"{result.error_p50_ms:.1f} ms  p99 {result.error_p99_ms:.1f} ms; inter-chunk gap error p50 "
                  f"{result.gap_error_p50_ms:.1f} ms  p99 {result.gap_error_p99_ms:.1f} ms", file=sys.stderr)
        self.results["paced"] = {"tokens_per_second": tps, "tokens": tokens, "streams": self.args.paced_streams,
                                 "servers": rows}

    def measure_memory(self) -> None:
        """RSS of a fresh mock after a warm-up and after N mixed requests."""
        if "mock" not in self.args.servers:
            return
        mock = self.start(self.spec("mock"))
        mock.wait_healthy()
        mix = self._mix_runner()
        warm = mix(mock.url, shapes.MIX, self.args.memory_warmup, 0, self.args.connections)
        before = mock.memory_kib()
        print(f"bench: memory     mock    RSS {before['VmRSS'] / 1024:.1f} MiB after {warm.requests:,} requests; "
              f"sending {self.args.memory_requests:,} more", file=sys.stderr)
        result = mix(mock.url, shapes.MIX, self.args.memory_requests, self.args.memory_warmup, self.args.connections)
        after = mock.memory_kib()
        mock.stop()
        growth = 100 * (after["VmRSS"] - before["VmRSS"]) / before["VmRSS"]
        print(f"bench: memory     mock    RSS {after['VmRSS'] / 1024:.1f} MiB after {result.requests:,} more "
              f"({growth:+.1f} %), {result.errors} errors", file=sys.stderr)
        self.results["memory"] = {"mix": [s.name for s in shapes.MIX], "servers": {"mock": {
            "warmup_requests": warm.requests, "requests": result.requests, "errors": result.errors + warm.errors,
            "rps": round(result.rps, 1), "rss_warm_mib": round(before["VmRSS"] / 1024, 1),
            "rss_after_mib": round(after["VmRSS"] / 1024, 1), "peak_mib": round(after["VmHWM"] / 1024, 1),
            "growth_pct": round(growth, 2), "generator": warm.generator}}}

    def measure_startup(self) -> None:
        """Seconds from process start to the first 200 from the health path (median of a few starts)."""
        rows = {}
        for name in self._targets("startup", shared=False):
            spec = self.spec(name)
            if spec is None:
                continue
            times = []
            for _ in range(self.args.startup_runs):
                server = self.start(spec)
                try:
                    times.append(server.wait_healthy())
                finally:
                    server.stop()
            rows[name] = {"median_s": round(statistics.median(times), 3), "runs_s": [round(t, 3) for t in times]}
            print(f"bench: startup    {name:<7} {statistics.median(times):.2f} s (runs {rows[name]['runs_s']})",
                  file=sys.stderr)
        self.results["startup"] = {"runs": self.args.startup_runs, "servers": rows}

    # helpers ----------------------------------------------------------------------------------------------

    def _targets(self, workload: str, shared: bool = True) -> list[str]:
        names = [s for s in WORKLOADS[workload][1] if s in self.args.servers]
        return [s for s in names if s in self.servers] if shared else names

    def _plain_runner(self) -> Callable[..., load.LoadResult]:
        return load.run_wrk if self.generator == "wrk" else load.run_python

    def _mix_runner(self) -> Callable[..., load.LoadResult]:
        return load.run_wrk_mix if self.generator == "wrk" else load.run_python_mix

    @staticmethod
    def _ratios(rows: dict[str, dict], key: str) -> None:
        base = rows.get("bare", {}).get(key)
        for row in rows.values():
            if base and key in row:
                row["vs_bare"] = round(row[key] / base, 3)

    def meta(self) -> dict:
        """Where and how this run measured."""
        loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"  # what uvicorn's "auto" picks
        http = "httptools" if importlib.util.find_spec("httptools") else "h11"
        return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "host": platform.node(),
                "cpus": os.cpu_count(), "loadavg_end": os.getloadavg(), "python": platform.python_version(),
                "uvicorn": f"one process, loop auto ({loop}), http auto ({http})", "generator": self.generator,
                "wrk": self.wrk.version, "peers": {k: v.version for k, v in self.peers.items() if v.argv},
                "args": {k: v if isinstance(v, (int, float, str, list)) or v is None else str(v)
                         for k, v in vars(self.args).items()}, "notes": self.notes, "servers": self.started}


def median_of(results: list[T], key: Callable[[T], float]) -> T:
    """The middle result by `key` (the lower middle of an even count)."""
    return sorted(results, key=key)[(len(results) - 1) // 2]


def probe(url: str, shape: shapes.Shape) -> str | None:
    """None if the server answers the workload's request with a 200, else why not."""
    try:
        response = httpx.request(shape.method, url + shape.path, headers=shape.headers, content=shape.render(0),
                                 timeout=30)
    except httpx.HTTPError as exc:
        return f"request failed: {exc}"
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    return None


def raise_open_files() -> None:
    """1,000 concurrent streams need more descriptors than some shells allow by default."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the servers this run started are stopped too."""
    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen workloads, print the tables, write the JSON."""
    args = parse_args(argv)
    raise_open_files()
    stop_on_sigterm()
    try:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # a faster client leaves more CPU to the servers
    except ImportError:
        pass
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, ExitStack() as stack:
        bench = Bench(args, stack, Path(tmp))
        for note in bench.notes:
            print(f"bench: {note}", file=sys.stderr)
        started = time.monotonic()
        bench.start_shared()
        for workload in args.only:
            if workload in ("chat", "messages", "embeddings"):
                bench.measure_requests(workload)
            elif workload == "stream":
                bench.measure_streams()
            elif workload == "paced":
                bench.measure_paced()
        stack.close()  # the shared servers go before the workloads that start their own
        if "memory" in args.only:
            bench.measure_memory()
        if "startup" in args.only:
            bench.measure_startup()
        if "scale" in args.only and "mock" in args.servers:
            scale.measure(bench)
        stack.close()
        meta = bench.meta() | {"elapsed_s": round(time.monotonic() - started, 1)}
        document = {"meta": meta, "results": bench.results}
    path = args.json or RESULTS / f"bench-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(report.markdown(document))
    print(f"\nraw results: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
