"""Select: decide what will answer a request, as a value (scenario step, Prefer, proxy, default, example)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.errors import MockError
from .examples import documented

if TYPE_CHECKING:
    from ..core.context import RequestContext
    from ..scenarios.model import Step
    from ..spec.model import Example

SCENARIO, PREFER, DEFAULT, EXAMPLE, PROXY = "scenario", "prefer", "default", "example", "proxy"


@dataclass(slots=True)
class Decision:
    """What answers: `source` (scenario, prefer, proxy, default, example) plus what it needs to do so."""

    source: str
    label: str
    step: "Step | None" = None          # the scenario step: fault, raw, reply, stream, task
    step_index: int | str | None = None
    example: "Example | None" = None
    status: int | None = None           # Prefer: code=N with no documented example
    error: MockError | None = None      # answer with this error (a scenario's rate limit)
    headers: dict[str, str] | None = None  # added to whatever answers (rate-limit headers)
    scenario: dict[str, Any] | None = None  # the journal's account: name, why, key (redacted), step, outcome
    scenario_key: str = ""              # the key the scenario's position is kept by (as is)
    misses: Any = None                  # nearest scenarios that did not match (built when the journal is read)
    considered: int | None = None       # how many scenarios could have answered
    skipped: dict[str, Any] | None = None   # X-Mock-Scenario named one that does not apply here
    proxy: dict[str, Any] | None = None     # forwarded: the upstream's status, violations, recording (for the journal)

    def outcome(self, text: str) -> None:
        """Record, for the journal, what the scenario's step came to."""
        if self.scenario is not None:
            self.scenario["outcome"] = text


def parse_prefer(value: str) -> dict[str, str]:
    """`code=429, example=rate_limit` -> {'code': '429', 'example': 'rate_limit'}."""
    prefs: dict[str, str] = {}
    for token in value.replace(";", ",").split(","):
        key, _, val = token.strip().partition("=")
        if key:
            prefs[key.strip().lower()] = val.strip().strip('"')
    return prefs


def prefer_decision(ctx: "RequestContext") -> Decision | None:
    """`Prefer: code=N` / `Prefer: example=name` (or `?__code=` / `?__example=`), as Prism does."""
    header = ctx.headers.get("prefer")
    query_string = ctx.scope.get("query_string", b"")
    if header is None and (not query_string or b"__" not in query_string):
        return None
    prefs = parse_prefer(header) if header else {}
    for key in ("code", "example"):
        if f"__{key}" in ctx.query:
            prefs[key] = ctx.query[f"__{key}"]
    code, name = prefs.get("code"), prefs.get("example")
    if code is None and name is None:
        return None
    status = int(code) if code and code.isascii() and code.isdigit() else None
    if code is not None and (status is None or not 100 <= status <= 599):
        raise MockError(400, f"Prefer: code={code} is not an HTTP status.", code="invalid_prefer")
    example = documented(ctx, status, name)
    if example is None and name is not None and status is None:
        raise MockError(400, f"Prefer: example={name} names no documented example of "
                             f"{ctx.operation.operation_id}.", code="unknown_example")
    return Decision(PREFER, f"prefer:{name or code}", example=example, status=None if example else status)


async def select(ctx: "RequestContext", answers_itself: bool) -> Decision:
    """A matching scenario, else `Prefer`, else the upstream (`--upstream`), else the operation's default
    behaviour, else its example; with `--strict`, a request no scenario matched is an error instead."""
    services = ctx.services
    scenarios = services.scenarios
    looked = await scenarios.select(ctx) if scenarios is not None else None
    if looked is not None and looked.source == SCENARIO:
        return looked
    decision = prefer_decision(ctx)
    if decision is None and services.proxy is not None:
        decision = Decision(PROXY, "proxy")
    elif decision is None and services.settings.strict and (looked is None or looked.scenario is None):
        raise scenarios.no_match(ctx) if scenarios is not None else MockError(404, "No scenario answers this.")
    if decision is None and answers_itself:
        if looked is not None:  # scenarios looked and passed: their default decision carries their account
            looked.label = ctx.operation.handler_name or "default"
            return looked
        decision = Decision(DEFAULT, ctx.operation.handler_name or "default")
    if decision is None:
        decision = Decision(EXAMPLE, "example")
    if looked is not None:  # scenarios looked: keep their account (a pass, a rate limit let through, misses)
        decision.scenario, decision.misses, decision.skipped = looked.scenario, looked.misses, looked.skipped
        decision.considered = looked.considered
        if looked.headers:
            decision.headers = {**(decision.headers or {}), **looked.headers}
    return decision
