"""`mockserver serve | routes | check | contract | --version` (also `python -m mockserver`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import Settings, shipped

if TYPE_CHECKING:
    from .scenarios.engine import ScenarioEngine

# How `serve` runs uvicorn (the benchmark's bare baseline runs with the same): no proxy-header rewriting (a mock is
# not behind a trusted proxy), no access log (the pipeline logs each request itself), uvicorn's httptools protocol
# with a leaner request cycle (http_protocol.py).
UVICORN_OPTIONS = {"log_level": "warning", "access_log": False, "timeout_keep_alive": 30, "proxy_headers": False,
                   "server_header": False,  # `server: uvicorn` is not what a provider's API sends
                   "http": "mockserver.http_protocol:LeanHttpToolsProtocol"}
GC_THRESHOLD = 50_000  # allocations between young collections: a request allocates hundreds, frees them at once
LOG_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)-7s %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def version() -> str:
    """The installed distribution's version (the package's own when run from a bare checkout)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("mockserver")
    except PackageNotFoundError:
        from . import __version__
        return __version__


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="mockserver", description="Spec-driven mock of the LLM and media gateway API.")
    parser.add_argument("--version", action="version", version=f"mockserver {version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the mock API")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=int, default=4010, help="port (default 4010)")
    _spec_arg(serve)
    _scenario_args(serve)
    serve.add_argument("--seed", type=int, default=0, help="seed for deterministic content (default 0)")
    serve.add_argument("--api-key", action="append", default=[], dest="api_keys",
                       help="accept only this key (repeatable); by default any key is accepted")
    serve.add_argument("--admin-key", action="append", default=[], dest="admin_keys", metavar="KEY",
                       help="require this key (repeatable) for the dashboard and the /_mock control API; "
                            "by default the --api-key keys, and no key when there are none")
    serve.add_argument("--task-speed", type=float, default=1.0,
                       help="async job clock multiplier; 0 finishes jobs at once (default 1)")
    serve.add_argument("--cors-origin", action="append", default=[], dest="cors_origins", metavar="ORIGIN",
                       help="allow browser calls from this origin only, e.g. http://localhost:3000 (repeatable); "
                            "by default every origin is allowed")
    serve.add_argument("--state", default=os.environ.get("MOCKSERVER_STATE") or None, metavar="URL",
                       help="share stored responses, jobs, scenario state, rate limits and the journal with every "
                            "process given the same Redis, e.g. redis://127.0.0.1:6379/0 (default: $MOCKSERVER_STATE, "
                            "else kept in this process)")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes on one port (default 1); more than one needs --state and "
                            "excludes --record")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                       help="info logs one line per request; debug adds why each answer was chosen")
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    _proxy_args(serve)

    routes = sub.add_parser("routes", help="list the operations the spec defines")
    _spec_arg(routes)

    check = sub.add_parser("check", help="validate the spec (and its examples) and the scenarios; exit 1 on problems")
    _spec_arg(check)
    _scenario_args(check)

    from .contract.command import add_arguments
    contract = sub.add_parser("contract", help="check a gateway (or the mock) against the spec, streams included; "
                                               "exit 1 on violations, 2 on usage errors")
    add_arguments(contract)
    return parser


def _proxy_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("record and replay")
    group.add_argument("--upstream", metavar="URL",
                       help="forward every request no scenario answers to this base URL (the real gateway) and "
                            "check its answers against the spec")
    group.add_argument("--upstream-timeout", type=float, default=600.0, metavar="SECONDS",
                       help="how long the upstream may stay silent, before its answer or between events (default 600)")
    group.add_argument("--record", type=Path, metavar="DIR",
                       help="with --upstream: write each forwarded exchange into DIR as scenario YAML "
                            "(one worker)")
    group.add_argument("--record-mode", choices=["new", "all"], default="new",
                       help="new: recordings already in DIR answer and only the rest is recorded (default); "
                            "all: forward and record everything again")
    group.add_argument("--redact", action="append", default=[], metavar="HEADER|$.JSON.PATH",
                       help="also keep this response header or JSON path out of recordings (repeatable); keys, "
                            "cookies and ?key= never reach them")
    group.add_argument("--replay-timing", default="recorded", metavar="recorded|none|x<FACTOR>",
                       help="recorded stream events: with their recorded delays (default), at once, or x<FACTOR> "
                            "times as fast (x10)")
    group.add_argument("--strict", action="store_true",
                       help="a request no scenario or recording answers gets a 404 naming the nearest recordings "
                            "and why each did not match, instead of the default answer")


def _spec_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", type=Path, default=None, help="OpenAPI file (default: the shipped gateway spec)")


def _scenario_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenarios", type=Path, action="append", default=[], metavar="DIR", dest="scenarios",
                        help="a directory of YAML scenarios, added to the shipped ones (repeatable; a scenario "
                             "named like a shipped one replaces it)")
    parser.add_argument("--no-default-scenarios", action="store_false", dest="default_scenarios",
                        help="leave out the shipped scenarios")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mockserver` console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "routes":
            return routes(args)
        if args.command == "contract":
            from .contract.command import main as contract
            return contract(args)
        return check(args)
    except BrokenPipeError:  # `mockserver routes | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def serve(args: argparse.Namespace) -> int:
    """Run the server until interrupted."""
    import uvicorn

    from .app import MockServer, create_app

    logging.basicConfig(level=args.log_level.upper(), format=LOG_FORMAT, datefmt=LOG_DATE_FORMAT, stream=sys.stderr)
    problem = proxy_problem(args)
    if problem:
        print(f"mockserver serve: {problem}", file=sys.stderr)
        return 2
    settings = Settings(host=args.host, port=args.port, spec_path=args.spec, scenario_dirs=tuple(args.scenarios),
                        default_scenarios=args.default_scenarios, seed=args.seed, api_keys=tuple(args.api_keys),
                        admin_keys=tuple(args.admin_keys),
                        log_level=args.log_level, quiet=args.quiet, task_speed=args.task_speed,
                        cors_origins=tuple(args.cors_origins), upstream=args.upstream,
                        upstream_timeout=args.upstream_timeout, record_dir=args.record, record_mode=args.record_mode,
                        redact=tuple(args.redact), replay_timing=args.replay_timing, strict=args.strict,
                        state=args.state, workers=args.workers)
    problem = state_problem(settings)
    if problem:
        print(f"mockserver: not starting: {problem}", file=sys.stderr)
        return 1
    from .scenarios.engine import ScenarioLoadError

    try:
        server = MockServer(settings)
    except ScenarioLoadError as exc:
        print(f"mockserver: not starting, scenario files have errors:\n{exc.report.text()}", file=sys.stderr)
        return 1
    answered = sum(b.answers_itself for b in server.bindings.values())
    print(f"mockserver: spec {server.spec.source} ({len(server.spec.operations)} operations, "
          f"{answered} with handlers)", file=sys.stderr)
    for line in scenario_summary(server.scenarios):
        print(f"mockserver: {line}", file=sys.stderr)
    if settings.upstream:
        recording = f"; recording into {settings.record_dir} (mode {settings.record_mode})" if settings.record_dir else ""
        print(f"mockserver: forwarding what no scenario answers to {settings.upstream}{recording}", file=sys.stderr)
    origins = ", ".join(settings.cors_origins) or "any origin"
    print(f"mockserver: state: {server.state.describe()}", file=sys.stderr)
    workers = f", {settings.workers} workers" if settings.workers > 1 else ""
    print(f"mockserver: listening on http://{args.host}:{args.port}{workers} (CORS: {origins})", file=sys.stderr,
          flush=True)
    guarded = "admin key required" if settings.admin_keys or settings.api_keys else "open on this address"
    print(f"mockserver: dashboard at http://{args.host}:{args.port}/_mock/ ({guarded})", file=sys.stderr, flush=True)
    if settings.workers > 1:
        from . import workers as worker_processes
        del server  # each worker builds its own
        worker_processes.export(settings)
        uvicorn.run(worker_processes.FACTORY, factory=True, workers=settings.workers, host=args.host,
                    port=args.port, **UVICORN_OPTIONS)
        return 0
    tune_gc()
    uvicorn.run(create_app(server=server), host=args.host, port=args.port, **UVICORN_OPTIONS)
    return 0


def tune_gc() -> None:
    """Collect less often: the spec, validators and tables live for good, a request frees what it allocates."""
    import gc
    gc.collect()
    gc.freeze()  # keep the long-lived objects out of every collection
    gc.set_threshold(GC_THRESHOLD, 50, 100)


def state_problem(settings: Settings) -> str | None:
    """Why the state the settings name cannot serve (workers without a shared store, Redis unreachable)."""
    if settings.workers < 1:
        return "--workers must be at least 1"
    if settings.workers > 1 and settings.state in (None, "", "memory"):
        return (f"--workers {settings.workers} needs --state redis://HOST:PORT/DB (or $MOCKSERVER_STATE): without "
                "a shared store each worker would keep its own stored Responses (previous_response_id fails on "
                "another worker), task jobs (a job submitted to one worker is 404 on the next), scenario "
                "sequences and rate limits (counted per worker), scenarios added over /_mock/scenarios and "
                "the request journal (each worker shows a fraction)")
    if not settings.state or settings.state == "memory":
        return None
    if not settings.state.startswith(("redis://", "rediss://", "unix://")):
        return f"--state {settings.state}: expected memory or a redis://, rediss:// or unix:// URL"
    try:
        from .state.redis import ping
    except ImportError as exc:
        return str(exc)
    import asyncio
    reason = asyncio.run(ping(settings.state))
    if reason:
        from .state.redis_conn import shown_url
        return f"cannot reach Redis at {shown_url(settings.state)} ({reason}); start it, or leave out --state"
    return None


def proxy_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the record-and-replay options (None: nothing)."""
    from urllib.parse import urlsplit

    from .settings import parse_replay_timing

    if args.upstream is not None:
        parts = urlsplit(args.upstream)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return f"--upstream must be an http(s) base URL such as https://api.example.com, not {args.upstream!r}"
    if args.record is not None and args.upstream is None:
        return "--record needs --upstream (the server whose answers are recorded)"
    if args.record is not None and args.workers > 1:
        return ("--record writes with one worker (a conversation's turns and a job's polls must reach the recorder "
                "that saw the start); record with --workers 1, then replay with as many as you like")
    if args.upstream_timeout <= 0:
        return f"--upstream-timeout must be above 0 seconds, not {args.upstream_timeout:g}"
    if args.strict and args.upstream is not None:
        return "--strict is for replay without an upstream (with --upstream, unanswered requests are forwarded)"
    try:
        parse_replay_timing(args.replay_timing)
    except ValueError as exc:
        return f"--replay-timing: {exc}"
    return None


def scenario_summary(engine: "ScenarioEngine") -> list[str]:
    """Which scenarios were loaded from where, for the startup print."""
    lines = [f"scenarios: {len(engine.scenarios)} loaded"]
    for directory in engine.directories:
        names = [s.name for s in engine.scenarios if Path(s.source).resolve().is_relative_to(directory.resolve())]
        label = " (shipped)" if directory.resolve() == shipped("scenarios").resolve() else ""
        lines.append(f"  {directory}{label}: {', '.join(names) or 'none'}")
    if engine.shadowed:
        lines.append(f"  shipped scenarios replaced by yours: {', '.join(engine.shadowed)}")
    return lines


def routes(args: argparse.Namespace) -> int:
    """Print one line per operation."""
    from .app import bind
    from .spec import Spec

    spec = Spec.load(args.spec)
    bindings = bind(spec.operations)
    for op in sorted(spec.operations, key=lambda o: (o.raw.get("tags", ["~"])[0], o.path, o.method)):
        tag = (op.raw.get("tags") or ["-"])[0]
        answer = op.handler_name if bindings[op.operation_id].answers_itself else "example"
        print(f"{tag:<12} {op.method:<6} {op.path:<58} {op.operation_id:<32} {answer}")
    return 0


def check(args: argparse.Namespace) -> int:
    """Validate the spec and the scenarios; print each problem once, in file order; non-zero exit when there are any."""
    from .scenarios.engine import check_directories
    from .spec import Spec
    from .spec.check import spec_problems

    try:
        spec = Spec.load(args.spec)
    except Exception as exc:  # unreadable YAML etc.: report, don't trace
        print(f"mockserver check: cannot load spec: {exc}", file=sys.stderr)
        return 1
    problems = spec_problems(spec)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"spec: {spec.source}: {len(spec.operations)} operations, {len(problems)} problem(s)")
    settings = Settings(scenario_dirs=tuple(args.scenarios), default_scenarios=args.default_scenarios)
    directories = settings.scenario_directories()
    report = check_directories(directories)
    for error in report.errors:
        print(error, file=sys.stderr)
    where = ", ".join(map(str, directories)) or "no directory"
    print(f"scenarios: {where}: {len(report.scenarios)} loaded, {len(report.errors)} error(s)")
    return 1 if problems or report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
