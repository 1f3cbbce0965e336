"""Streaming clients on raw asyncio sockets: whole SSE streams read concurrently, each read timed as it arrives."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from load import Figures, percentile
from shapes import Shape


@dataclass
class StreamThroughput(Figures):
    """Unpaced streams read back to back by `concurrency` clients."""

    streams: int
    frames: int
    content_frames: int
    seconds: float
    frames_per_s: float
    content_frames_per_s: float
    streams_per_s: float
    content_frames_per_stream: float
    stream_p50_ms: float
    stream_p99_ms: float
    errors: int


@dataclass
class PacedSchedule(Figures):
    """How late each content chunk of paced streams arrives against its ideal schedule from the first chunk."""

    streams: int
    completed: int
    chunks: int
    chunks_per_stream: float
    interval_ms: float
    error_p50_ms: float
    error_p99_ms: float
    error_max_ms: float
    gap_error_p50_ms: float
    gap_error_p99_ms: float
    first_chunk_p50_ms: float
    first_chunk_p99_ms: float
    client_lag_p99_ms: float
    seconds: float
    errors: int


def _request(url: str, shape: Shape, n: int) -> bytes:
    parts = urlsplit(url)
    body = shape.render(n)
    head = [f"{shape.method} {shape.path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}",
            "Accept: text/event-stream"] + [f"{k}: {v}" for k, v in shape.headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _open(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(url)
    return await asyncio.open_connection(parts.hostname, parts.port, limit=1 << 20)


class FrameCounter:
    """Counts SSE `data:` frames (not `[DONE]`) and text-bearing chat chunks in a byte stream fed piece by piece."""

    PATTERNS = (b"data:", b"data: [DONE]", b'"content":"', b'"content":""')  # the role chunk's content is ""

    def __init__(self) -> None:
        self.tail = b""

    def feed(self, piece: bytes) -> tuple[int, int]:
        """(frames, content chunks) that `piece` completes; a pattern split across pieces counts once."""
        joined = self.tail + piece
        data, done, content, empty = (joined.count(p) - self.tail.count(p) for p in self.PATTERNS)
        self.tail = joined[-(len(self.PATTERNS[1]) - 1):]
        return data - done, content - empty


class Chunked:
    """An HTTP/1.1 chunked body decoder working on whole reads (no await per chunk)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.left = 0  # payload bytes still to come in the current chunk
        self.skip = 0  # bytes of the CRLF that ends the current chunk still to come
        self.finished = False

    def feed(self, data: bytes) -> bytes:
        """The payload bytes in `data`; sets `finished` at the last chunk."""
        buffer, pos, out = self.buffer + data, 0, []
        while not self.finished and pos < len(buffer):
            if self.left or self.skip:
                take = min(self.left, len(buffer) - pos)
                out.append(buffer[pos:pos + take])
                pos, self.left = pos + take, self.left - take
                skip = min(self.skip, len(buffer) - pos) if not self.left else 0
                pos, self.skip = pos + skip, self.skip - skip
                continue
            line_end = buffer.find(b"\r\n", pos)
            if line_end < 0:
                break
            size = int(buffer[pos:line_end].split(b";")[0], 16)
            pos = line_end + 2
            self.finished = size == 0
            self.left, self.skip = size, 2
        self.buffer = buffer[pos:]
        return b"".join(out)


async def read_stream(reader: asyncio.StreamReader, on_piece: Callable[[bytes, float], None]) -> bool:
    """Read one response, calling `on_piece(payload, arrival)` for each read of its body; True if keep-alive."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if status != 200:
        raise RuntimeError(f"HTTP {status}")
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunked = Chunked()
        while not chunked.finished:
            data = await reader.read(1 << 16)
            if not data:
                raise asyncio.IncompleteReadError(b"", None)
            on_piece(chunked.feed(data), time.perf_counter())
    elif "content-length" in headers:
        on_piece(await reader.readexactly(int(headers["content-length"])), time.perf_counter())
    else:
        while data := await reader.read(1 << 16):
            on_piece(data, time.perf_counter())
        return False
    return headers.get("connection", "").lower() != "close"


async def _throughput(url: str, shape: Shape, seconds: float, concurrency: int) -> StreamThroughput:
    counter = itertools.count(1)
    totals = {"frames": 0, "content": 0, "errors": 0}
    durations: list[float] = []
    per_stream: list[int] = []
    started = time.perf_counter()
    deadline = started + seconds

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        counting = FrameCounter()
        content = 0

        def on_piece(piece: bytes, arrival: float) -> None:
            nonlocal content
            frames, chunks = counting.feed(piece)
            content += chunks
            if arrival <= deadline:
                totals["frames"] += frames
                totals["content"] += chunks

        sent = time.perf_counter()
        writer.write(_request(url, shape, next(counter)))
        keep_alive = await read_stream(reader, on_piece)
        durations.append(time.perf_counter() - sent)
        per_stream.append(content)
        return keep_alive

    async def worker() -> None:
        writer = None
        try:
            while (left := deadline - time.perf_counter()) > 0:
                if writer is None:
                    reader, writer = await _open(url)
                try:
                    if not await asyncio.wait_for(one(reader, writer), left):
                        writer.close()
                        writer = None
                except asyncio.TimeoutError:
                    return
                except (OSError, RuntimeError, asyncio.IncompleteReadError, ValueError):
                    totals["errors"] += 1
                    writer.close()
                    writer = None
        finally:
            if writer is not None:
                writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = min(time.perf_counter(), deadline) - started
    durations.sort()
    done = len(durations)
    return StreamThroughput(done, totals["frames"], totals["content"], elapsed, totals["frames"] / elapsed,
                            totals["content"] / elapsed, done / elapsed, sum(per_stream) / done if done else 0.0,
                            percentile(durations, 50) * 1000, percentile(durations, 99) * 1000, totals["errors"])


def stream_throughput(url: str, shape: Shape, seconds: float, concurrency: int) -> StreamThroughput:
    """Frames per second from `concurrency` clients reading unpaced streams back to back for `seconds`."""
    return asyncio.run(_throughput(url, shape, seconds, concurrency))


async def _loop_lag(samples: list[float], stop: asyncio.Event, every: float = 0.01) -> None:
    """How late this client's own event loop wakes up: the part of the lateness that is the client's."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + every
        await asyncio.sleep(every)
        samples.append(loop.time() - due)


async def _paced(url: str, shape: Shape, streams: int, interval: float, timeout: float) -> PacedSchedule:
    lateness: list[float] = []
    gaps: list[float] = []  # |time between two content chunks - the interval|: the inter-chunk schedule error
    first: list[float] = []
    counts: list[int] = []
    lag: list[float] = []
    failures = ready = 0
    connected, stop = asyncio.Event(), asyncio.Event()

    def count_in() -> None:
        nonlocal ready
        ready += 1
        if ready == streams:
            connected.set()

    async def one(n: int) -> None:
        nonlocal failures
        arrivals: list[float] = []
        frames = FrameCounter()
        writer = None
        try:
            try:
                reader, writer = await _open(url)
            finally:
                count_in()
            await connected.wait()  # every connection first, then every request at once
            sent = time.perf_counter()
            writer.write(_request(url, shape, n))
            await read_stream(reader, lambda piece, at: arrivals.extend([at] * frames.feed(piece)[1]))
        except (OSError, RuntimeError, asyncio.IncompleteReadError, ValueError):
            failures += 1
            return
        finally:
            if writer is not None:
                writer.close()
        if arrivals:
            first.append(arrivals[0] - sent)
            lateness.extend(at - (arrivals[0] + k * interval) for k, at in enumerate(arrivals) if k)
            gaps.extend(abs(at - before - interval) for before, at in zip(arrivals, arrivals[1:]))
            counts.append(len(arrivals))

    tasks = [asyncio.create_task(one(n)) for n in range(1, streams + 1)]
    await asyncio.wait_for(connected.wait(), timeout)
    started = time.perf_counter()
    monitor = asyncio.create_task(_loop_lag(lag, stop))
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout)
    finally:
        stop.set()
        await monitor
    elapsed = time.perf_counter() - started
    lateness.sort()
    gaps.sort()
    first.sort()
    lag.sort()
    chunks = sum(counts)
    return PacedSchedule(streams, len(counts), chunks, chunks / len(counts) if counts else 0.0, interval * 1000,
                         percentile(lateness, 50) * 1000, percentile(lateness, 99) * 1000,
                         (lateness[-1] if lateness else 0.0) * 1000, percentile(gaps, 50) * 1000,
                         percentile(gaps, 99) * 1000, percentile(first, 50) * 1000,
                         percentile(first, 99) * 1000, percentile(lag, 99) * 1000, elapsed, failures)


def paced_schedule(url: str, shape: Shape, streams: int, tokens_per_second: float, timeout: float) -> PacedSchedule:
    """Open `streams` paced streams at once and measure each content chunk's lateness against its schedule."""
    return asyncio.run(_paced(url, shape, streams, 1 / tokens_per_second, timeout))
