"""Load generators for plain (non-streamed) requests: wrk with a Lua script, or a small asyncio httpx client."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from shapes import MJ_FETCH, Shape

WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p99_us":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n', summary.requests, summary.duration,
    summary.bytes, latency:percentile(50), latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""


class Figures:
    """A dataclass of measured figures."""

    def as_dict(self) -> dict:
        """JSON-ready, floats rounded."""
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass
class LoadResult(Figures):
    """What one load run measured."""

    generator: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    bytes_per_response: float
    errors: int


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted `values` (0 when empty)."""
    if not values:
        return 0.0
    return values[min(len(values), max(1, math.ceil(q / 100 * len(values)))) - 1]


def _lua_string(text: str) -> str:
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def _lua_headers(headers: dict[str, str]) -> str:
    return "{" + ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()) + "}"


def _parse_wrk(out: str, what: str) -> dict:
    line = next((line for line in out.splitlines() if line.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary for {what}:\n{out}")
    return json.loads(line.removeprefix("BENCH_JSON "))


def _from_wrk(data: dict) -> LoadResult:
    seconds = data["duration_us"] / 1e6
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    requests = data["requests"]
    return LoadResult("wrk", requests, seconds, requests / seconds if seconds else 0.0, data["p50_us"] / 1000,
                      data["p99_us"] / 1000, data["bytes"] / requests if requests else 0.0, errors)


def wrk_script(shape: Shape) -> str:
    """A wrk script sending `shape` with a new counter value in each body."""
    prefix, suffix = shape.halves()
    return (f'wrk.method = "{shape.method}"\nwrk.path = {_lua_string(shape.path)}\n'
            + "".join(f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}\n" for k, v in shape.headers.items())
            + f"local prefix, suffix = {_lua_string(prefix)}, {_lua_string(suffix)}\nlocal n = 0\n"
            + "request = function()\n  n = n + 1\n  return wrk.format(nil, nil, nil, prefix .. n .. suffix)\nend\n"
            + WRK_REPORT)


def run_wrk(url: str, shape: Shape, seconds: float, connections: int) -> LoadResult:
    """Load `url` with `shape` for `seconds` with wrk (one thread, `connections` connections)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / f"{shape.name}.lua"
        script.write_text(wrk_script(shape))
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
                              "-s", str(script), url], capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    return _from_wrk(_parse_wrk(out.stdout, shape.name))


class _Tally:
    """Latency, bytes and errors of what an asyncio httpx client sent."""

    def __init__(self, url: str, connections: int) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.client = httpx.AsyncClient(base_url=url, limits=limits, timeout=30)
        self.latencies: list[float] = []
        self.bytes = self.errors = 0
        self.started = time.perf_counter()

    async def send(self, shape: Shape, n: int, path: str | None = None) -> httpx.Response | None:
        """Request number `n` of `shape` (to `path` instead of the shape's own, when given)."""
        sent = time.perf_counter()
        try:
            response = await self.client.request(shape.method, path or shape.path, headers=shape.headers,
                                                 content=shape.render(n) if shape.body else None)
        except httpx.HTTPError:
            self.errors += 1
            return None
        self.latencies.append(time.perf_counter() - sent)
        self.bytes += len(response.content)
        self.errors += response.status_code >= 400
        return response

    async def result(self) -> LoadResult:
        """The figures so far; closes the client."""
        elapsed = time.perf_counter() - self.started
        await self.client.aclose()
        latencies = sorted(self.latencies)
        done = len(latencies)
        return LoadResult("python", done, elapsed, done / elapsed, percentile(latencies, 50) * 1000,
                          percentile(latencies, 99) * 1000, self.bytes / done if done else 0.0, self.errors)


async def _python_load(url: str, shape: Shape, seconds: float, connections: int) -> LoadResult:
    counter = itertools.count(1)
    tally = _Tally(url, connections)
    deadline = tally.started + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            await tally.send(shape, next(counter))

    await asyncio.gather(*(worker() for _ in range(connections)))
    return await tally.result()


def run_python(url: str, shape: Shape, seconds: float, connections: int) -> LoadResult:
    """Load `url` with `shape` for `seconds` from an asyncio httpx client (when wrk is missing)."""
    return asyncio.run(_python_load(url, shape, seconds, connections))


def mix_script(mix: Sequence[Shape], limit: int, offset: int, marker: Path) -> str:
    """A wrk script cycling through `mix` until `limit` requests were sent, then touching `marker`.

    An `mj-fetch` step polls a job id an earlier submit returned (read in `response`), or submits when none is left.
    """
    kinds = []
    for shape in mix:
        if shape.path == MJ_FETCH:
            kinds.append(f"{{fetch = true, h = {_lua_headers(shape.headers)}}}")
            continue
        prefix, suffix = shape.halves()
        kinds.append(f"{{m = {_lua_string(shape.method)}, p = {_lua_string(shape.path)}, "
                     f"h = {_lua_headers(shape.headers)}, a = {_lua_string(prefix)}, b = {_lua_string(suffix)}}}")
    fetch_prefix, _, fetch_suffix = MJ_FETCH.partition("{id}")
    submit = next(i + 1 for i, s in enumerate(mix) if s.name == "mj-submit")
    return f"""
local kinds = {{{', '.join(kinds)}}}
local n, limit, ids = {offset}, {offset + limit}, {{}}
request = function()
  n = n + 1
  if n == limit then
    local f = io.open({_lua_string(str(marker))}, "w"); f:write("done"); f:close()
    wrk.thread:stop()
  end
  local k = kinds[(n % #kinds) + 1]
  if k.fetch then
    local id = table.remove(ids)
    if id then return wrk.format("GET", {_lua_string(fetch_prefix)} .. id .. {_lua_string(fetch_suffix)}, k.h) end
    k = kinds[{submit}]
  end
  return wrk.format(k.m, k.p, k.h, k.a .. n .. k.b)
end
response = function(status, headers, body)
  if #body < 400 then
    local id = body:match('"result":"(%w+)"')
    if id and #ids < 1000 then ids[#ids + 1] = id end
  end
end
""" + WRK_REPORT


def run_wrk_mix(url: str, mix: Sequence[Shape], total: int, offset: int, connections: int) -> LoadResult:
    """Send about `total` requests of `mix` with wrk; wrk stops on SIGINT once its script has sent them all."""
    with tempfile.TemporaryDirectory() as tmp:
        marker = Path(tmp) / "done"
        script = Path(tmp) / "mix.lua"
        script.write_text(mix_script(mix, total, offset, marker))
        wrk = subprocess.Popen(["wrk", "-t1", f"-c{connections}", "-d24h", "--timeout", "10s", "-s", str(script), url],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            while wrk.poll() is None and not marker.exists():
                time.sleep(0.05)
            time.sleep(0.2)  # let the connections in flight finish
            if wrk.poll() is None:
                os.kill(wrk.pid, signal.SIGINT)  # wrk prints its summary and runs done() on SIGINT
            out, _ = wrk.communicate(timeout=60)
        finally:
            if wrk.poll() is None:
                wrk.kill()
                wrk.wait()
    return _from_wrk(_parse_wrk(out, "mix"))


async def _python_mix(url: str, mix: Sequence[Shape], total: int, offset: int, connections: int) -> LoadResult:
    counter = itertools.count(offset + 1)
    tally = _Tally(url, connections)

    async def worker() -> None:
        job = None
        while (n := next(counter)) <= offset + total:
            shape = mix[n % len(mix)]
            if shape.path == MJ_FETCH:
                if job:
                    await tally.send(shape, n, MJ_FETCH.replace("{id}", job))
                    job = None
                continue
            response = await tally.send(shape, n)
            if shape.name == "mj-submit" and response is not None and response.status_code == 200:
                job = str(response.json().get("result"))

    await asyncio.gather(*(worker() for _ in range(connections)))
    return await tally.result()


def run_python_mix(url: str, mix: Sequence[Shape], total: int, offset: int, connections: int) -> LoadResult:
    """Send `total` requests of `mix` from an asyncio httpx client."""
    return asyncio.run(_python_mix(url, mix, total, offset, connections))
