"""Markdown tables from a run's results: one per workload, then a summary for the README."""

from __future__ import annotations

NAMES = {"mock": "mockserver", "bare": "bare Starlette", "steady": "steady", "aimock": "aimock"}
ORDER = ["mock", "bare", "steady", "aimock"]
TITLES = {
    "chat": "validated non-streaming Chat Completion",
    "messages": "Anthropic message",
    "embeddings": "embeddings call",
    "stream": "unpaced 64-chunk chat streams",
    "paced": "concurrent paced streams",
    "memory": "memory after mixed requests",
    "startup": "start-up to the first healthy answer",
}


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _ratio(row: dict) -> str:
    return f"{row['vs_bare']:.2f}" if "vs_bare" in row else "–"


def _servers(section: dict) -> list[tuple[str, dict]]:
    rows = section.get("servers", {})
    return [(name, rows[name]) for name in ORDER if name in rows]


def requests_table(name: str, section: dict) -> str:
    """req/s, latency and ratio to bare for one request workload."""
    rows = []
    for server, row in _servers(section):
        if "skipped" in row:
            rows.append([NAMES[server], "skipped: " + row["skipped"].replace("|", "/")[:80], "", "", "", ""])
            continue
        rows.append([NAMES[server], _n(row["rps"]), _n(row["p50_ms"], 2), _n(row["p99_ms"], 2),
                     _n(row["bytes_per_response"]), _ratio(row) + (f" ({row['errors']} errors)" if row["errors"] else "")])
    shape = section["shape"]
    title = (f"**{name}**: {TITLES[name]} (`{shape['method']} {shape['path']}`), {section['generator']}, "
             f"{section['connections']} connections, {section['seconds']:g} s")
    return title + "\n\n" + _table(["server", "requests/s", "p50 ms", "p99 ms", "bytes/response", "vs bare"], rows)


def stream_table(section: dict) -> str:
    """Frames/s of unpaced streams."""
    rows = []
    for server, row in _servers(section):
        if "skipped" in row:
            rows.append([NAMES[server], "skipped: " + row["skipped"], "", "", "", "", ""])
            continue
        rows.append([NAMES[server], _n(row["frames_per_s"]), _n(row["content_frames_per_s"]),
                     _n(row["content_frames_per_stream"]), _n(row["streams_per_s"], 1),
                     f"{_n(row['stream_p50_ms'], 1)} / {_n(row['stream_p99_ms'], 1)}", _ratio(row)])
    title = (f"**stream**: {TITLES['stream']}, {section['concurrency']} concurrent clients, "
             f"{section['seconds']:g} s; frames = SSE `data:` frames except `[DONE]`")
    return title + "\n\n" + _table(["server", "frames/s", "content chunks/s", "chunks a stream", "streams/s",
                                    "stream p50 / p99 ms", "vs bare"], rows)


def paced_table(section: dict) -> str:
    """Lateness of paced chunks against their schedule, per server."""
    rows = []
    for server, row in _servers(section):
        rows.append([NAMES[server], f"{row['completed']:,} / {row['streams']:,}"
                     + (f" ({row['errors']} errors)" if row["errors"] else ""), _n(row["chunks_per_stream"], 1),
                     _n(row["error_p50_ms"], 1), _n(row["error_p99_ms"], 1), _n(row["error_max_ms"], 1),
                     f"{_n(row['gap_error_p50_ms'], 1)} / {_n(row['gap_error_p99_ms'], 1)}",
                     f"{_n(row['first_chunk_p50_ms'])} / {_n(row['first_chunk_p99_ms'])}",
                     _n(row["client_lag_p99_ms"], 1)])
    interval = 1000 / section["tokens_per_second"]
    title = (f"**paced**: {section['streams']:,} concurrent streams of {section['tokens']} chunks at "
             f"{section['tokens_per_second']:g} tokens/s; lateness = arrival − (first chunk + k × {interval:g} ms); "
             f"gap error = |time between two chunks − {interval:g} ms| (the inter-chunk schedule error); "
             "bare sends on an exact timer, so its lateness is what the client and the machine add")
    return title + "\n\n" + _table(["server", "completed", "chunks a stream", "lateness p50 ms", "p99 ms", "max ms",
                                    "gap error p50 / p99 ms",
                                    "first chunk p50 / p99 ms", "client loop lag p99 ms"], rows)


def memory_table(section: dict) -> str:
    """RSS before and after the mixed requests."""
    row = section["servers"]["mock"]
    title = f"**memory**: a fresh mock, mixed requests ({', '.join(section['mix'])}), {row['generator']}"
    return title + "\n\n" + _table(
        ["warm-up requests", "RSS after warm-up", "then requests", "RSS after", "growth", "peak RSS", "errors"],
        [[_n(row["warmup_requests"]), f"{row['rss_warm_mib']} MiB", _n(row["requests"]), f"{row['rss_after_mib']} MiB",
          f"{row['growth_pct']:+.1f} %", f"{row['peak_mib']} MiB", str(row["errors"])]])


def startup_table(section: dict) -> str:
    """Median start-up time per server."""
    rows = [[NAMES[server], f"{row['median_s']:.2f} s", ", ".join(f"{t:.2f}" for t in row["runs_s"])]
            for server, row in _servers(section)]
    return f"**startup**: {TITLES['startup']}\n\n" + _table(["server", "median", "runs (s)"], rows)


def summary(results: dict) -> str:
    """One table for the README: a row per measure, a column per server, ratios to bare in parentheses."""
    columns = [s for s in ORDER if any(s in section.get("servers", {}) for section in results.values())]
    lines = []

    def cell(section: dict, server: str, key: str, digits: int = 0, ratio: bool = True) -> str:
        row = section.get("servers", {}).get(server)
        if not row:
            return "–"
        if "skipped" in row:
            return "skipped"
        share = f" ({row['vs_bare']:.2f})" if ratio and "vs_bare" in row and server != "bare" else ""
        return _n(row[key], digits) + share

    for name in ("chat", "messages", "embeddings"):
        if name in results:
            lines.append([f"{TITLES[name]}, requests/s"] + [cell(results[name], s, "rps") for s in columns])
            lines.append([f"{TITLES[name]}, p99 ms"] + [cell(results[name], s, "p99_ms", 1, ratio=False) for s in columns])
    if "stream" in results:
        lines.append(["64-chunk streams, SSE frames/s"] + [cell(results["stream"], s, "frames_per_s") for s in columns])
    if "paced" in results:
        section = results["paced"]
        rows = section["servers"]
        label = f"{section['streams']:,} streams at {section['tokens_per_second']:g} tokens/s, lateness p50 / p99 ms"
        lines.append([label] + [f"{_n(rows[s]['error_p50_ms'], 1)} / {_n(rows[s]['error_p99_ms'], 1)}" if s in rows
                                else "–" for s in columns])
        label = "the same streams, inter-chunk gap error p50 / p99 ms"
        lines.append([label] + [f"{_n(rows[s]['gap_error_p50_ms'], 1)} / {_n(rows[s]['gap_error_p99_ms'], 1)}"
                                if s in rows else "–" for s in columns])
    if "memory" in results:
        row = results["memory"]["servers"]["mock"]
        label = f"RSS growth over {_n(row['requests'])} mixed requests"
        lines.append([label] + [f"{row['growth_pct']:+.1f} % ({row['rss_warm_mib']:.0f} → {row['rss_after_mib']:.0f} MiB)"
                                if s == "mock" else "–" for s in columns])
    if "startup" in results:
        rows = results["startup"]["servers"]
        lines.append(["start-up to healthy, median s"] + [f"{rows[s]['median_s']:.2f}" if s in rows else "–"
                                                           for s in columns])
    return _table(["measure"] + [NAMES[s] for s in columns], lines)


def markdown(document: dict) -> str:
    """Every table of a run, then the summary."""
    meta, results = document["meta"], document["results"]
    load = meta["loadavg_end"][0]
    generator = meta["wrk"] if meta["generator"] == "wrk" else "the asyncio client"
    parts = [f"## Bench run {meta['date']}: {meta['cpus']} CPUs, load average {load:.2f} at the end, "
             f"Python {meta['python']}, uvicorn {meta['uvicorn']}, load generator {generator}"]
    parts += [f"Note: {note}" for note in meta["notes"]]
    for name, section in results.items():
        if name in ("chat", "messages", "embeddings"):
            parts.append(requests_table(name, section))
        elif name == "stream":
            parts.append(stream_table(section))
        elif name == "paced":
            parts.append(paced_table(section))
        elif name == "memory":
            parts.append(memory_table(section))
        elif name == "startup":
            parts.append(startup_table(section))
        elif name == "scale":
            import scale
            parts.append(scale.table(section))
    parts.append("### Summary (ratio to bare Starlette in parentheses)\n\n" + summary(results))
    return "\n\n".join(parts)
