"""`mockserver contract BASE_URL ...`: options in, exit code out (0 clean, 1 violations, 2 usage errors)."""

from __future__ import annotations

import argparse
import copy
import ipaddress
import os
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ..spec import Spec

DEFAULT_REMOTE_BUDGET = 100   # requests, when BASE_URL is not this machine: a real gateway bills them
DEFAULT_MAX_EXAMPLES = 3
STATEFUL_STEPS = 6
MAX_STREAM_EVENTS = 1_000_000  # the request timeout bounds a stream that never ends
INSTALL_HINT = "mockserver contract needs Schemathesis: pip install 'mockserver[contract]'"


class UsageError(Exception):
    """A mistake in the command line or its inputs (exit 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `contract` subcommand's options."""
    parser.add_argument("base_url", metavar="BASE_URL", help="the gateway (or mock) to check, e.g. http://127.0.0.1:4010")
    parser.add_argument("--spec", type=Path, default=None, help="OpenAPI file (default: the shipped gateway spec)")
    parser.add_argument("--operation", action="append", default=[], dest="operations", metavar="OPERATION_ID",
                        help="check only this operation (repeatable)")
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES, metavar="N",
                        help=f"cases per operation and kind (default {DEFAULT_MAX_EXAMPLES})")
    parser.add_argument("-H", "--header", action="append", default=[], dest="headers", metavar="'NAME: VALUE'",
                        help="send this header with every request (repeatable); the key may come from "
                             "$MOCKSERVER_CONTRACT_KEY instead")
    parser.add_argument("--junit", type=Path, default=None, metavar="FILE", help="write a JUnit XML report")
    parser.add_argument("--budget", type=int, default=None, metavar="N",
                        help=f"send at most N requests (default: {DEFAULT_REMOTE_BUDGET} when BASE_URL is not "
                             "loopback, else no limit)")
    parser.add_argument("--rate", default=None, metavar="R/s", help="at most R requests per second (also R/m, R/h)")
    parser.add_argument("--negative", action=argparse.BooleanOptionalAction, default=True,
                        help="also send requests that break the schema, which must be refused (default: on)")
    parser.add_argument("--stateful", action=argparse.BooleanOptionalAction, default=False,
                        help="also run Schemathesis' stateful sequences over the links it infers (default: off)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the generated requests (default 0)")
    parser.add_argument("--dry-run", action="store_true", help="print the planned requests and send nothing")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="per request (default 60)")
    parser.add_argument("--job-timeout", type=float, default=300.0, metavar="SECONDS",
                        help="how long an async job may take to finish (default 300)")


def main(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command; the exit code."""
    stderr = stderr or sys.stderr
    try:
        import schemathesis  # noqa: F401
    except ImportError:
        print(INSTALL_HINT, file=stderr)
        return 2
    try:
        return _run(args, stdout or sys.stdout)
    except UsageError as exc:
        print(f"mockserver contract: {exc}", file=stderr)
        return 2
    except Exception:  # a bug or an answer nothing expected: the traceback, without the key
        import traceback

        from .report import KEY_ENV, Redactor

        headers = dict(h.partition(":")[::2] for h in args.headers)
        redactor = Redactor.for_headers({k.strip(): v.strip() for k, v in headers.items()}, os.environ.get(KEY_ENV))
        print(redactor.scrub(f"mockserver contract: internal error\n{traceback.format_exc()}"), file=stderr)
        return 1


def _run(args: argparse.Namespace, stdout: TextIO) -> int:
    from . import plan as planning
    from .report import KEY_ENV, Console, Redactor, write_junit
    from .runner import Meter, RunOptions, Runner

    base_url, host, port = parse_base_url(args.base_url)
    headers = parse_headers(args.headers)
    key = os.environ.get(KEY_ENV) or None
    if key and not any(name.lower() in ("authorization", "x-api-key", "x-goog-api-key") for name in headers):
        headers["Authorization"] = f"Bearer {key}"
    rate = parse_rate(args.rate)
    if args.max_examples < 1:
        raise UsageError("--max-examples must be at least 1")
    local = is_loopback(host)
    budget = args.budget if args.budget is not None else (None if local else DEFAULT_REMOTE_BUDGET)
    if budget is not None and budget < 1:
        raise UsageError("--budget must be at least 1")
    if not args.dry_run:
        reachable(host, port, base_url)
    spec = load_spec(args.spec)
    schema, operations, broken = load_schema(spec, base_url, args.operations)
    redactor = Redactor.for_headers(headers, key)
    console = Console(redactor, stdout)
    job_polls = 10
    plan = planning.build(schema, spec, operations, max_examples=args.max_examples, negative=args.negative,
                          budget=budget, job_polls=job_polls, seed=args.seed)
    console.plan(plan, base_url, spec.source, args.seed, rate)
    if args.stateful:
        console.write(f"then stateful sequences: about {args.max_examples} of up to {STATEFUL_STEPS} steps each, "
                      "within the budget")
    if not any(name.lower() in ("authorization", "x-api-key", "x-goog-api-key") for name in headers):
        console.write(f"note: no key given (-H or ${KEY_ENV}): requests are sent without one")
    if args.dry_run:
        console.dry_run(plan)
        return 0
    options = RunOptions(base_url=base_url, headers=headers, timeout=args.timeout, stateful=args.stateful,
                         operations=tuple(args.operations),
                         max_examples=args.max_examples, seed=args.seed, job_timeout=args.job_timeout,
                         stateful_steps=STATEFUL_STEPS,
                         poll_interval=0.2 if local else 2.0)
    meter = Meter(budget=budget, rate=rate)
    runner = Runner(spec, schema, options, meter, console, redactor)
    started = time.monotonic()
    results = runner.run(plan)
    for label, message in broken:
        result = runner._result(label)
        result.error("request_generation", message)
    console.details(results)
    console.summary(results, meter.sent, runner.stopped)
    if args.junit is not None:
        write_junit(args.junit, results, redactor, time.monotonic() - started)
        console.write(f"JUnit report: {args.junit}")
    return 0 if all(r.outcome == "passed" for r in results) else 1


def parse_base_url(value: str) -> tuple[str, str, int]:
    """`http(s)://host[:port][/path]`, without a trailing slash; its host and port."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"BASE_URL must be an http:// or https:// URL, got {value!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UsageError(f"BASE_URL has an invalid port: {value!r}") from None
    return value.rstrip("/"), parts.hostname, port


def parse_headers(values: list[str]) -> dict[str, str]:
    """`-H 'Name: value'` options as a dict."""
    headers: dict[str, str] = {}
    for value in values:
        name, colon, rest = value.partition(":")
        if not colon or not name.strip() or any(c.isspace() for c in name.strip()):
            raise UsageError(f"-H takes 'Name: value', got {value.split(':')[0]!r}...")
        headers[name.strip()] = rest.strip()
    return headers


def parse_rate(value: str | None) -> float | None:
    """`5/s`, `300/m`, `1000/h` or a plain number (per second), as requests per second."""
    if value is None:
        return None
    number, _, unit = value.partition("/")
    seconds = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}.get(unit.strip().lower())
    try:
        count = float(number)
    except ValueError:
        count = -1.0
    if seconds is None or not count > 0:
        raise UsageError(f"--rate takes R/s, R/m or R/h with R > 0, got {value!r}")
    return count / seconds


def is_loopback(host: str) -> bool:
    """Whether requests to `host` stay on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_spec(path: Path | None) -> "Spec":
    """The spec (a given one validated as OpenAPI), or a usage error saying why it cannot be used."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    from ..spec import Spec

    try:
        spec = Spec.load(path)
    except Exception as exc:  # unreadable file, broken YAML, unresolvable references
        raise UsageError(f"cannot load the spec {path}: {exc}") from None
    if path is None:
        return spec  # the shipped spec: `mockserver check` and the test suite validate it
    try:
        validate(spec.document)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise UsageError(f"the spec {spec.source} is not valid OpenAPI at {where}: {exc.message}") from None
    return spec


def load_schema(spec: "Spec", base_url: str, wanted: list[str]) -> tuple[object, list, list[tuple[str, str]]]:
    """The Schemathesis schema of the spec, the operations to check, and those it could not read."""
    import schemathesis

    schema = schemathesis.openapi.from_dict(copy.deepcopy(spec.document))
    schema.config.update(base_url=base_url)
    schema.config.max_stream_events = MAX_STREAM_EVENTS  # Schemathesis stops at 20; a grammar needs the whole stream
    known = {op.operation_id for op in spec.operations}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise UsageError(f"no operation {', '.join(unknown)} in {spec.source}; `mockserver routes` lists them")
    operations, broken = [], []
    for found in schema.get_all_operations():
        try:
            operation = found.ok()
        except Exception as exc:  # an operation Schemathesis cannot read: reported, never skipped silently
            broken.append((_broken_id(spec, exc), f"Schemathesis cannot read this operation: {exc}"))
            continue
        operation_id = operation.definition.raw.get("operationId")
        if not wanted or operation_id in wanted:
            operations.append(operation)
    return schema, operations, [(op, msg) for op, msg in broken if op in known and (not wanted or op in wanted)]


def _broken_id(spec: "Spec", exc: Exception) -> str:
    path, method = getattr(exc, "path", None), getattr(exc, "method", None)
    for op in spec.operations:
        if op.path == path and op.method.lower() == str(method).lower():
            return op.operation_id
    return str(path)


def reachable(host: str, port: int, base_url: str) -> None:
    """Connect (no request is sent) to tell an unreachable URL from a failing gateway."""
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        raise UsageError(f"cannot reach {base_url}: {exc.strerror or exc}") from None
