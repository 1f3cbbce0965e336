"""The benchmark harness still runs: every workload, against the mock and the bare endpoint, half a second each.

It uses the harness's own asyncio client (no wrk, no npm peers) and asserts that figures came out and that every
server the harness started is gone afterwards, never on how fast anything was.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _alive(pid: int, argv: list[str]) -> bool:
    """The process is still there (and is still the one that was started, not a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z" and [part.decode() for part in cmdline if part][:len(argv)] == argv


def test_bench_runs_every_workload_and_stops_its_servers(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--servers", "mock,bare", "--load", "python", "--no-install",
         "--seconds", "0.5", "--rounds", "2", "--warmup", "0", "--connections", "4", "--paced-streams", "20", "--paced-tokens", "5",
         "--tokens-per-second", "50", "--memory-warmup", "40", "--memory-requests", "80", "--startup-runs", "1",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    document = json.loads(out.read_text())
    results = document["results"]

    for workload in ("chat", "messages", "embeddings"):
        for server in ("mock", "bare"):
            row = results[workload]["servers"][server]
            assert row["requests"] > 0 and row["rps"] > 0 and row["errors"] == 0, (workload, server, row)
            assert row["p99_ms"] >= row["p50_ms"] > 0
            assert len(row["rounds_rps"]) == 2 and round(row["rps"]) == min(row["rounds_rps"])  # the lower middle
        assert results[workload]["servers"]["bare"]["vs_bare"] == 1
    for server in ("mock", "bare"):
        stream = results["stream"]["servers"][server]
        assert stream["frames"] > 0 and stream["content_frames_per_stream"] == 64, stream
        assert len(stream["rounds_frames_per_s"]) == 2
        paced = results["paced"]["servers"][server]
        assert paced["completed"] == 20 and paced["chunks_per_stream"] == 5, paced
    memory = results["memory"]["servers"]["mock"]
    assert memory["rss_warm_mib"] > 0 and memory["rss_after_mib"] > 0 and memory["errors"] == 0
    assert set(results["startup"]["servers"]) == {"mock", "bare"}

    if shutil.which("redis-server") or shutil.which("valkey-server"):
        for shape in ("chat", "responses"):
            scale = results["scale"]["shapes"][shape]
            assert all(row["rps"] > 0 and row["cpu_us_per_request"] > 0 and row["errors"] == 0
                       for row in scale["rows"].values()), scale
            assert scale["workers_vs_one"] > 0 and scale["redis_cpu_cost_pct"] is not None
        assert "### Scale-out" in run.stdout

    assert "| mockserver |" in run.stdout and "### Summary" in run.stdout
    started = document["meta"]["servers"]
    assert {s["name"] for s in started} - {"one-memory", "one-redis", "two-redis"} == {"mock", "bare"}
    assert [s for s in started if _alive(s["pid"], s["argv"])] == []
