"""`mockserver serve | routes | check`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .settings import Settings


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="mockserver", description="Spec-driven mock of the LLM and media gateway API.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the mock API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=4010)
    _spec_arg(serve)
    serve.add_argument("--scenarios", type=Path, default=None, help="directory of YAML scenarios (default: scenarios/)")
    serve.add_argument("--seed", type=int, default=0, help="seed for deterministic content (default 0)")
    serve.add_argument("--api-key", action="append", default=[], dest="api_keys",
                       help="accept only this key (repeatable); by default any key is accepted")
    serve.add_argument("--task-speed", type=float, default=1.0,
                       help="async job clock multiplier; 0 finishes jobs at once (default 1)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument("--quiet", action="store_true", help="do not log each request")

    routes = sub.add_parser("routes", help="list the operations the spec defines")
    _spec_arg(routes)

    check = sub.add_parser("check", help="validate the spec (and its examples) and the scenarios; exit 1 on problems")
    _spec_arg(check)
    check.add_argument("--scenarios", type=Path, default=None, help="directory of YAML scenarios (default: scenarios/)")
    return parser


def _spec_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", type=Path, default=None, help="OpenAPI file (default: specs/gateway.openapi.yaml)")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mockserver` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "routes":
        return routes(args)
    return check(args)


def serve(args: argparse.Namespace) -> int:
    """Run the server until interrupted."""
    import uvicorn

    from .app import MockServer, create_app

    logging.basicConfig(level=args.log_level.upper(), format="%(message)s", stream=sys.stderr)
    settings = Settings(host=args.host, port=args.port, spec_path=args.spec, scenarios_dir=args.scenarios,
                        seed=args.seed, api_keys=tuple(args.api_keys), log_level=args.log_level,
                        quiet=args.quiet, task_speed=args.task_speed)
    from .scenarios.engine import ScenarioLoadError

    try:
        server = MockServer(settings)
    except ScenarioLoadError as exc:
        print(f"mockserver: not starting, scenario files have errors:\n{exc.report.text()}", file=sys.stderr)
        return 1
    print(f"mockserver: spec {server.spec.source} ({len(server.spec.operations)} operations, "
          f"{len(server.handlers)} with handlers)", file=sys.stderr)
    scenarios = server.services["scenarios"]
    print(f"mockserver: scenarios {scenarios.directory} ({len(scenarios.scenarios)} loaded: "
          f"{', '.join(s.name for s in scenarios.scenarios) or 'none'})", file=sys.stderr)
    print(f"mockserver: listening on http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    uvicorn.run(create_app(server=server), host=args.host, port=args.port, log_level="warning",
                access_log=False, timeout_keep_alive=30)
    return 0


def routes(args: argparse.Namespace) -> int:
    """Print one line per operation."""
    from .app import resolve_handler
    from .spec import Spec

    spec = Spec.load(args.spec)
    for op in sorted(spec.operations, key=lambda o: (o.raw.get("tags", ["~"])[0], o.path, o.method)):
        tag = (op.raw.get("tags") or ["-"])[0]
        answer = op.handler_name if resolve_handler(op.handler_name) else "example"
        print(f"{tag:<12} {op.method:<6} {op.path:<58} {op.operation_id:<32} {answer}")
    return 0


def check(args: argparse.Namespace) -> int:
    """Validate the spec; print each problem; non-zero exit when there are any."""
    from .spec import Spec
    from .speccheck import spec_problems

    try:
        spec = Spec.load(args.spec)
    except Exception as exc:  # unreadable YAML etc.: report, don't trace
        print(f"mockserver check: cannot load spec: {exc}", file=sys.stderr)
        return 1
    problems = spec_problems(spec)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"spec: {len(spec.operations)} operations, {len(problems)} problem(s)")
    from .scenarios.engine import check_directory

    report = check_directory(getattr(args, "scenarios", None))
    for error in report.errors:
        print(error, file=sys.stderr)
    print(f"scenarios: {len(report.scenarios)} loaded, {len(report.errors)} error(s)")
    return 1 if problems or report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
