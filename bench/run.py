"""Throughput of a validated, non-streaming chat completion vs a bare Starlette endpoint, same run.

Both servers run as one uvicorn process each, with the same settings, on loopback; the load generator
is `wrk` (apt-get install wrk), or a small asyncio client when wrk is missing. Prints requests/s of
each and the ratio mock/baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PATH = "/v1/chat/completions"
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "You are terse."},
                                             {"role": "user", "content": "Name three prime numbers."}],
        "temperature": 0.2, "max_tokens": 64}
HEADERS = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, timeout: float = 60) -> None:
    """Poll until the server answers the benchmark request."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.post(url + PATH, json=BODY, headers=HEADERS, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not come up")


def run_wrk(url: str, seconds: int, connections: int) -> float:
    """Requests/s measured by wrk with a POST script."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(BODY))}\n'
                     + "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in HEADERS.items()))
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name, url + PATH],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers during the run:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


async def _client_loop(url: str, deadline: float, counter: list[int]) -> None:
    async with httpx.AsyncClient(base_url=url, headers=HEADERS) as client:
        while time.monotonic() < deadline:
            response = await client.post(PATH, json=BODY)
            response.raise_for_status()
            counter[0] += 1


def run_python(url: str, seconds: int, connections: int) -> float:
    """Requests/s from an asyncio httpx client (fallback when wrk is missing)."""
    counter = [0]

    async def main() -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_client_loop(url, deadline, counter) for _ in range(connections)))

    started = time.monotonic()
    asyncio.run(main())
    return counter[0] / (time.monotonic() - started)


def main() -> int:
    """Start both servers, measure each, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    measure = run_wrk if shutil.which("wrk") else run_python
    mock_port, base_port = free_port(), free_port()
    mock = subprocess.Popen([sys.executable, "-m", "mockserver.cli", "serve", "--port", str(mock_port), "--quiet",
                             "--log-level", "warning"], cwd=ROOT)
    baseline = None
    try:
        mock_url = f"http://127.0.0.1:{mock_port}"
        wait_ready(mock_url)
        body = httpx.post(mock_url + PATH, json=BODY, headers=HEADERS).content
        with tempfile.NamedTemporaryFile(delete=False, suffix=".json") as fh:
            fh.write(body)
        baseline = subprocess.Popen([sys.executable, str(ROOT / "bench" / "baseline_app.py"), str(base_port),
                                     fh.name, PATH])
        base_url = f"http://127.0.0.1:{base_port}"
        wait_ready(base_url)
        measure(mock_url, 2, args.connections)  # warm both up
        measure(base_url, 2, args.connections)
        mock_rps = measure(mock_url, args.seconds, args.connections)
        base_rps = measure(base_url, args.seconds, args.connections)
    finally:
        for process in (mock, baseline):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
    print(f"load generator: {'wrk' if measure is run_wrk else 'python asyncio'}, {args.connections} connections, "
          f"{args.seconds}s each")
    print(f"mockserver (validated chat completion): {mock_rps:9.0f} req/s")
    print(f"bare Starlette (same bytes):            {base_rps:9.0f} req/s")
    print(f"ratio mock/baseline:                    {mock_rps / base_rps:9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
