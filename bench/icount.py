"""Instructions per request through the whole app, in-process under valgrind: a figure other load cannot move.

`python bench/icount.py [KIND ...] [--requests N] [--stages]` runs the app (no uvicorn, no sockets) under
`valgrind --tool=callgrind` twice, once with N requests after a warm-up and once without, and prints the
difference divided by N. KIND is chat, messages, embeddings, stream, messages-stream or responses-stream
(bench/shapes.py; bodies vary per request). `--stages` prices the chat pipeline cut after each stage (route,
validate, select, parse, reply, render): the difference between two lines is what that stage costs. `--profile`
prints the Python calls one request makes (cProfile, no valgrind). Used while optimising; `make bench` measures
what users see.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import shapes  # noqa: E402

KINDS = {"chat": shapes.CHAT, "messages": shapes.MESSAGES, "embeddings": shapes.EMBEDDINGS, "stream": shapes.STREAM,
         "messages-stream": shapes.MESSAGES_STREAM, "responses-stream": shapes.RESPONSES_STREAM}
STAGES = ("route", "validate", "select", "parse", "reply", "render", "full")
WARMUP = int(os.environ.get("ICOUNT_WARMUP", 1100))  # past the journal's 1,000 entries: the steady state a long run sees


def scope(shape: shapes.Shape) -> dict:
    """The ASGI scope uvicorn would build for `shape`."""
    headers = [(k.lower().encode(), v.encode()) for k, v in shape.headers.items()]
    headers += [(b"host", b"127.0.0.1:4010"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": shape.method,
            "scheme": "http", "path": shape.path, "raw_path": shape.path.encode(), "query_string": b"",
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 4010)}


async def call(app, scope: dict, body: bytes) -> None:
    """One request through the ASGI app; the answer is dropped."""
    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        pass

    await app(scope, receive, send)


def staged(app, stage: str):
    """`Pipeline.answer` cut after `stage` (a fixed answer instead of the rest)."""
    from mockserver.core.answers import JsonAnswer
    from mockserver.pipeline.auth import authenticate
    from mockserver.pipeline.select import select
    from mockserver.pipeline.validate import decide_stream, read_body, validate_parameters

    pipe, fixed = app.pipeline, {"id": "x", "object": "chat.completion", "choices": []}

    async def answer(ctx):
        match = pipe.router.match(ctx.method, ctx.path)
        binding = pipe.bindings[match.operation.operation_id]
        ctx.operation, ctx.path_params, ctx.dialect = binding.operation, match.path_params, binding.dialects[0]
        ctx.request_id = ctx.dialect.new_request_id()
        if stage == "route":
            await ctx.receive()
            return JsonAnswer(fixed)
        authenticate(ctx, pipe.allowed_keys)
        await read_body(ctx)
        validate_parameters(ctx)
        ctx.stream = decide_stream(ctx)
        if stage == "validate":
            return JsonAnswer(fixed)
        ctx.decision = await select(ctx, True)
        if stage == "select":
            return JsonAnswer(fixed)
        conv = ctx.conversation
        if stage == "parse":
            return JsonAnswer(fixed)
        reply = ctx.dialect.default_reply(ctx, conv)
        if stage == "reply":
            return JsonAnswer(fixed)
        return await ctx.dialect.render(ctx, reply, conv)

    return answer


def inner(kind: str, count: int, stage: str, profile: bool = False) -> None:
    """The measured process: build the app as `mockserver serve` does, warm it up, send `count` requests."""
    from mockserver import Settings, create_app
    from mockserver.cli import GC_THRESHOLD
    from mockserver.scenarios import reload

    reload.INTERVAL_S = 3600  # valgrind runs ~50x slower: the twice-a-second file check would weigh 50x too

    app = create_app(Settings(quiet=True))
    if stage != "full":
        app.pipeline.answer = staged(app, stage)
    shape = KINDS[kind]
    base = scope(shape)
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 50, 100)

    async def run(first: int, n: int) -> None:
        for i in range(first, first + n):
            await call(app, dict(base), shape.render(i))

    asyncio.run(run(0, WARMUP))
    if profile:
        import cProfile
        import pstats
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(run(WARMUP, count))
        profiler.disable()
        stats = pstats.Stats(profiler)
        calls = sum(s[1] for s in stats.stats.values())  # primitive calls
        print(f"{kind}: {calls / count:.0f} Python calls per request (asyncio.run's own included)")
        stats.sort_stats(os.environ.get("ICOUNT_SORT", "tottime")).print_stats(int(os.environ.get("ICOUNT_TOP", 45)))
        return
    asyncio.run(run(WARMUP, count))


def collected(kind: str, count: int, stage: str) -> int:
    """Instructions valgrind counted for one inner run."""
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
            "--inner", kind, "--requests", str(count), "--stage", stage]
    done = subprocess.run(argv, capture_output=True, text=True, env=os.environ | {"PYTHONHASHSEED": "0"})
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"icount: valgrind run failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_request(kind: str, count: int, stage: str = "full") -> int:
    """Instructions per request: the difference of a run with `count` requests and one without."""
    return (collected(kind, count, stage) - collected(kind, 0, stage)) // count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kinds", nargs="*", default=["chat", "messages", "embeddings"], help=", ".join(KINDS))
    parser.add_argument("--requests", type=int, default=300, help="measured requests (300)")
    parser.add_argument("--stages", action="store_true", help="price each stage of the chat pipeline")
    parser.add_argument("--profile", action="store_true", help="Python calls per request (cProfile)")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument("--stage", default="full", choices=STAGES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    unknown = [k for k in args.kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown kind {', '.join(unknown)} (known: {', '.join(KINDS)})")
    if args.inner:
        inner(args.inner, args.requests, args.stage)
        return 0
    if args.profile:
        for kind in args.kinds:
            inner(kind, args.requests, "full", profile=True)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("icount: needs valgrind (apt-get install valgrind)")
    if args.stages:
        previous = 0
        for stage in STAGES:
            total = per_request("chat", args.requests, stage)
            print(f"chat up to {stage:<9} {total:>9,} instructions/request  (+{total - previous:,})", flush=True)
            previous = total
        return 0
    for kind in args.kinds:
        print(f"{kind:<11} {per_request(kind, args.requests):>9,} instructions/request", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
