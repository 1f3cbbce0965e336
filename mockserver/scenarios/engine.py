"""The scenario set: loaded, indexed by operation and model, reloaded on change; selection returns a Decision."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import tokens
from ..core.context import RequestContext
from ..core.errors import MockError
from ..pipeline.select import DEFAULT, SCENARIO, Decision
from ..pipeline.validate import reparsed
from ..settings import shipped
from ..state.base import BaseScenarioSet, Codec, Overlay
from ..state.journal import SECRET_HEADERS, redact, request_test_id
from ..state.memory import ScenarioSet
from .loader import LoadReport, load_dirs
from .matcher import RequestView, Verdict, evaluate, quick_reject
from .model import Scenario, ScenarioError, Step, build_scenarios
from .reload import Watcher
from .keys import key_of

if TYPE_CHECKING:
    from ..spec.model import Operation
    from ..state.base import BaseCounters

log = logging.getLogger("mockserver.scenarios")
HEADER = "x-mock-scenario"
DEFAULT_DIR = shipped("scenarios")
NEAREST = 3
WILDCARDS = set("*?[")


class ScenarioLoadError(Exception):
    """Scenario files with errors: the server must not start."""

    def __init__(self, report: LoadReport) -> None:
        super().__init__("broken scenario files:\n" + report.text())
        self.report = report


class OperationIndex:
    """An operation's candidate scenarios in selection order, split by the literal model they require."""

    __slots__ = ("all", "by_model", "any_model", "any_list")

    def __init__(self, ranked: list[tuple[int, Scenario]]) -> None:
        self.all = [s for _, s in ranked]
        self.by_model: dict[str, list[tuple[int, Scenario]]] = {}
        self.any_model: list[tuple[int, Scenario]] = []
        for rank, scenario in ranked:
            literal = literal_model(scenario)
            if literal is None:
                self.any_model.append((rank, scenario))
            else:
                self.by_model.setdefault(literal, []).append((rank, scenario))
        self.any_list = [s for _, s in self.any_model]

    def candidates(self, model: str | None) -> list[Scenario]:
        """The scenarios that could match a request for `model`, in selection order."""
        exact = self.by_model.get(model) if model else None
        if not exact:
            return self.any_list
        if not self.any_model:
            return [s for _, s in exact]
        return [s for _, s in sorted(exact + self.any_model, key=lambda pair: pair[0])]


def literal_model(scenario: Scenario) -> str | None:
    """The one model a scenario's `match.model` allows, when it is a plain name (no glob, regex or contains)."""
    cond = scenario.match.model
    if cond is None or not isinstance(cond.value, str):
        return None
    if cond.kind == "equals" or (cond.kind == "glob" and not WILDCARDS & set(cond.value)):
        return cond.value
    return None


class ScenarioEngine:
    """The loaded scenarios (files plus ones added over the admin API), their index and their counters.

    Run-time changes (add, remove, reset, a test's own scenarios) go through `changes`, the state's scenario
    set: with a shared state every process serving it applies them before the call returns.
    """

    def __init__(self, operations: Iterable["Operation"], counters: "BaseCounters",
                 directories: list[Path] | None = None, seed: int = 0,
                 changes: BaseScenarioSet | None = None) -> None:
        self.operations = list(operations)
        self.counters = counters
        self.seed = seed
        self.directories = [Path(d) for d in directories] if directories is not None else [DEFAULT_DIR]
        self.shadowed: list[str] = []
        self.added: list[Scenario] = []
        self.scoped: dict[str, list[Scenario]] = {}  # test id -> the scenarios added for that test only
        self.removed: set[str] = set()
        self.disabled: set[str] = set()
        self.changes = changes if changes is not None else ScenarioSet()
        self._syncing = asyncio.Lock()
        report = self._load()
        if report.errors:
            raise ScenarioLoadError(report)
        self.from_files, self.shadowed = report.scenarios, report.shadowed
        self.watcher = Watcher(self.directories)
        self.last_reload_error: str | None = None
        self._reindex()
        self.changes.watch(self._changed_elsewhere)

    @property
    def directory(self) -> Path | None:
        """The first scenario directory (see `directories` for all)."""
        return self.directories[0] if self.directories else None

    def _load(self) -> LoadReport:
        return load_dirs(self.directories, DEFAULT_DIR)

    # ------------------------------------------------------------------ the set

    @property
    def scenarios(self) -> list[Scenario]:
        """Every active scenario: added ones shadow file ones of the same name; removed file ones are left out."""
        names = {s.name for s in self.added} | self.removed
        return [s for s in self.from_files if s.name not in names] + self.added

    def _reindex(self) -> None:
        active = self.scenarios
        ordered = sorted(enumerate(active), key=lambda p: (-p[1].priority, -p[1].match.size(), p[0]))
        self.by_name = {s.name: s for s in active}
        self.index: dict[str, OperationIndex] = {}
        self.operation_names = {op.operation_id: operation_names(op) for op in self.operations}
        for op in self.operations:
            names = self.operation_names[op.operation_id]
            ranked = [(rank, s) for rank, (_, s) in enumerate(ordered) if applies(s, names) and s.name not in self.disabled]
            if ranked:
                self.index[op.operation_id] = OperationIndex(ranked)

    async def add(self, scenarios: list[Scenario], scope: str | None = None) -> None:
        """Add (or replace by name) scenarios at run time; with `scope`, for that test's requests only."""
        for s in scenarios:
            s.scope = scope or None
            await self.counters.reset(s.counter)
        await self.changes.add(scenarios)
        await self.sync()

    def of_scope(self, scope: str) -> list[Scenario]:
        """The scenarios added for one test, in selection order."""
        return list(self.scoped.get(scope, []))

    async def remove_scope(self, scope: str, name: str | None = None) -> int:
        """Remove a test's scenarios (all, or the one named); how many were removed."""
        for s in self.scoped.get(scope, []):
            if name is None or s.name == name:
                await self.counters.reset(s.counter)
        removed = await self.changes.remove_scope(scope, name)
        await self.sync()
        return removed

    async def remove(self, name: str) -> bool:
        """Remove a scenario (an added one, or a file one until the next reset)."""
        before = len(self.scenarios)
        await self.counters.reset(name)
        await self.changes.remove(name)
        await self.sync()
        return len(self.scenarios) < before

    async def enable(self, name: str, enabled: bool = True) -> None:
        """Let a scenario answer again, or keep it from answering (it stays listed; reset enables it)."""
        await self.changes.enable(name, enabled)
        await self.sync()

    async def replace(self, name: str, scenario: Scenario) -> None:
        """Put an edited scenario in place of `name` (renamed when its name differs; disabled stays disabled)."""
        if scenario.name != name:
            disabled = name in self.disabled
            await self.remove(name)
            if disabled:
                await self.changes.enable(scenario.name, False)
        await self.add([scenario])

    async def reset(self) -> None:
        """Back to the files as they are on disk, with fresh state (tests' own scenarios gone too)."""
        await self.counters.reset()
        await self.changes.reset()
        self._reload_files()
        await self.sync()

    async def sync(self) -> None:
        """Apply the run-time changes as the state holds them."""
        async with self._syncing:  # one at a time, so an older read never lands after a newer one
            self._apply(await self.changes.load())

    def _apply(self, overlay: Overlay) -> None:
        self.added = [s for s in overlay.added if not s.scope]
        scoped: dict[str, list[Scenario]] = {}
        for s in overlay.added:
            if s.scope:
                scoped.setdefault(s.scope, []).append(s)
        # A test's selection order is the server's: priority, then the most specific, then the order added.
        self.scoped = {scope: sorted(own, key=lambda s: (-s.priority, -s.match.size()))
                       for scope, own in scoped.items()}
        self.removed = set(overlay.removed)
        self.disabled = set(overlay.disabled)
        self._reindex()

    async def _changed_elsewhere(self, files: bool) -> None:
        if files:
            self._reload_files()
        await self.sync()

    def _reload_files(self) -> None:
        report = self._load()
        if not report.errors:
            self.from_files, self.shadowed = report.scenarios, report.shadowed
        self.watcher.snapshot()

    def reload_if_changed(self) -> None:
        """Reload the directories when a file changed; a broken edit keeps the last good set."""
        if not self.watcher.changed():
            return
        report = self._load()
        if report.errors:
            self.last_reload_error = report.text()
            log.error("scenario reload failed; keeping the last good set:\n%s", report.text())
            return
        self.last_reload_error = None
        self.from_files, self.shadowed = report.scenarios, report.shadowed
        self._reindex()
        log.info("scenarios reloaded: %d from %s", len(report.scenarios), ", ".join(map(str, self.directories)))

    # ------------------------------------------------------------------ selection

    async def select(self, ctx: "RequestContext") -> Decision | None:
        """A scenario decision, a pass-through that carries the scenario's account, or None (no scenario here)."""
        if self.watcher.due():
            self.reload_if_changed()
        own = self.scoped.get(request_test_id(ctx.headers, ctx.api_key) or "") if self.scoped else None
        named = ctx.headers.get(HEADER)
        if named:
            return await self._named(ctx, named, own)
        operation_id = ctx.operation.operation_id
        if own:  # the test's own scenarios come first
            names = self.operation_names[operation_id]
            own = [s for s in own if applies(s, names)]
        index = self.index.get(operation_id)
        if index is None and not own:
            return None
        view = RequestView(ctx)
        candidates = index.candidates(view.model) if index is not None else []
        for scenario in (own + candidates if own else candidates):
            if quick_reject(scenario.match, view):
                continue
            verdict = evaluate(scenario, view)
            if verdict.matched:
                return await self._answer(ctx, scenario, verdict.passed or ["matches every request"], view)
        # Explaining a miss costs more than matching; the journal builds the report only when it is read, from
        # what the request kept: holding the live request (its connection, scope, conversation) for the journal's
        # thousand entries costs every request ~10 % of its time in a memory that no longer fits the caches.
        every = index.all if index is not None else []
        kept = ctx.kept()
        return Decision(DEFAULT, "default", considered=len(own or ()) + len(every),
                        misses=lambda: explain_miss(own, every, RequestView(RequestContext.restored(kept, reparsed))))

    def no_match(self, ctx: "RequestContext") -> MockError:
        """`--strict`: the 404 for a request no scenario answers, naming the nearest of yours and why each missed."""
        op = ctx.operation
        index = self.index.get(op.operation_id)
        view = RequestView(ctx)
        own = self.scoped.get(request_test_id(ctx.headers, ctx.api_key) or "", []) if self.scoped else []
        candidates = own + (index.all if index is not None else [])
        found = nearest([evaluate(s, view, complete=True) for s in candidates if not s.shipped])
        where = f"{ctx.method} {ctx.path} ({op.operation_id})"
        if not found:
            text = f"No recording or scenario answers {where}: none of yours is written for this operation."
        else:
            reasons = "; ".join(f"'{m['scenario']}': {', '.join(m['failed'])}" for m in found)
            text = f"No recording or scenario answers {where}. Nearest: {reasons}."
        return MockError(404, text + " (--strict: no default answer)", code="no_matching_recording")

    async def _named(self, ctx: "RequestContext", named: str, own: list[Scenario] | None = None) -> Decision | None:
        scenario = next((s for s in own if s.name == named), None) if own else None
        scenario = scenario or self.by_name.get(named)
        if scenario is None:
            known = ", ".join(sorted({*self.by_name, *(s.name for s in own or [])})) or "none"
            raise MockError(400, f"X-Mock-Scenario: no scenario named '{named}' (known: {known}).", param=HEADER,
                            code="unknown_scenario")
        if named in self.disabled:
            raise MockError(400, f"X-Mock-Scenario: the scenario '{named}' is disabled.", param=HEADER,
                            code="disabled_scenario")
        view = RequestView(ctx)
        verdict = evaluate(scenario, view, explicit=True)
        if not verdict.matched:
            return Decision(DEFAULT, "default", skipped={"scenario": named, "why": verdict.failed})
        return await self._answer(ctx, scenario, [f"header X-Mock-Scenario: {named}"], view)

    async def _answer(self, ctx: "RequestContext", scenario: Scenario, why: list[str],
                      view: RequestView) -> Decision:
        await self.counters.hit(scenario.name)
        key = key_of(ctx, scenario.key)
        shown = redact(key) if key and secret_key(scenario.key) else key
        account: dict[str, Any] = {"name": scenario.name, "why": why, "key": shown}
        if scenario.scope:
            account["scope"] = scenario.scope
        label = f"scenario:{scenario.name}"
        headers: dict[str, str] = {}
        if scenario.rate_limit is not None:
            limited = await self._rate_limit(ctx, scenario, view, account, headers)
            if limited is not None:
                return limited
        if scenario.on_tool_result is not None and view.conversation.pending_tool_results():
            account["step"] = "on_tool_result"
            return self._step(scenario.on_tool_result, "on_tool_result", label, account, headers, key)
        position = await self.counters.advance(scenario.counter, key)
        count = len(scenario.steps)
        if scenario.mode == "once" and position >= count:
            account["outcome"] = f"sequence used up ({count} step(s), mode once): default behaviour"
            return Decision(DEFAULT, "default", scenario=account, headers=headers)
        index = position % count if scenario.mode == "cycle" else min(position, count - 1)
        step = scenario.steps[index]
        account["step"] = index
        if step.probability is not None:
            seed = scenario.seed if scenario.seed is not None else self.seed
            draw = await self.counters.chance(scenario.counter, key, seed)
            if draw >= step.probability:
                account["outcome"] = (f"probability {step.probability}: not this time (draw {draw:.3f}): "
                                      "default behaviour")
                return Decision(DEFAULT, "default", scenario=account, headers=headers)
        return self._step(step, index, label, account, headers, key)

    def _step(self, step: Step, index: int | str, label: str, account: dict, headers: dict[str, str],
              key: str) -> Decision:
        if not step.answers():
            account["outcome"] = "default behaviour" if not headers else "default reply with rate-limit headers"
            return Decision(DEFAULT, "default" if not headers else label, scenario=account, headers=headers)
        return Decision(SCENARIO, label, step=step, step_index=index, scenario=account, headers=headers,
                        scenario_key=key)

    async def _rate_limit(self, ctx: "RequestContext", scenario: Scenario, view: RequestView, account: dict,
                          headers: dict[str, str]) -> Decision | None:
        rate = scenario.rate_limit
        used = _request_tokens(ctx, view) if rate.tokens_per_minute is not None else 0
        allowed, info = await self.counters.take(f"{scenario.counter}#rate", key_of(ctx, rate.key), used,
                                                 rate.requests_per_minute, rate.tokens_per_minute)
        headers.update(ctx.dialect.ratelimit_headers(info))
        if allowed:
            return None
        wait = info["reset_s"]
        headers.update({"retry-after": str(max(1, math.ceil(wait))), "retry-after-ms": str(int(wait * 1000))})
        unit = info["over"]
        limit = info["rpm"] if unit == "requests" else info["tpm"]
        account["outcome"] = f"rate limited: {unit} per minute ({limit})"
        error = MockError(429, f"Rate limit reached for {unit} per minute: limit {limit}. "
                               f"Please try again in {wait:.3f}s.", kind=ctx.dialect.rate_limit_kind(unit))
        return Decision(SCENARIO, f"scenario:{scenario.name}", error=error, scenario=account, headers=headers)


def _request_tokens(ctx: "RequestContext", view: RequestView) -> int:
    from ..generate.engine import prompt_tokens
    try:
        return prompt_tokens(view.conversation)
    except Exception:  # a body the dialect rejects is counted by its bytes
        return tokens.count(ctx.raw_body.decode("utf-8", errors="replace"))


def explain_miss(own: list[Scenario] | None, others: list[Scenario], view: RequestView) -> list[dict]:
    """The nearest scenarios to a request none matched, and why each missed (a test's own first)."""
    if own:
        return nearest_scoped(own, others, view)
    return nearest([evaluate(s, view, complete=True) for s in others])


def nearest(verdicts: list[Verdict]) -> list[dict]:
    """The scenarios closest to matching, with every reason they did not."""
    return [v.summary() for v in sorted(verdicts, key=_closeness)[:NEAREST]]


def nearest_scoped(own: list[Scenario], others: list[Scenario], view: RequestView) -> list[dict]:
    """The near misses of a test's request: its own scenarios first (marked with `scope`), then the server's."""
    mine = sorted((evaluate(s, view, complete=True) for s in own), key=_closeness)
    marked = [{**v.summary(), "scope": v.scenario.scope} for v in mine[:NEAREST]]
    return marked + nearest([evaluate(s, view, complete=True) for s in others])[:NEAREST - len(marked)]


def _closeness(verdict: Verdict) -> tuple[int, int]:
    return len(verdict.failed), -len(verdict.passed)


def operation_names(op: "Operation") -> set[str]:
    """Every name `match.operation` may give an operation by: operationId, dialects, handler and its family."""
    names = {op.operation_id, *op.dialects}
    if op.handler_name:
        names |= {op.handler_name, op.handler_name.partition(":")[0]}
    return names


def applies(scenario: Scenario, names: set[str]) -> bool:
    """Whether a scenario may match requests of the operation known by `names` (header-only ones never do)."""
    wanted = scenario.match.operations
    return not scenario.match.explicit and (not wanted or not names.isdisjoint(wanted))


def check_directories(directories: list[Path]) -> LoadReport:
    """Load and validate scenario directories (for `mockserver check`)."""
    return load_dirs(directories, DEFAULT_DIR)


def secret_key(spec: str) -> bool:
    """Whether a scenario's key is a credential (then the journal and logs show it redacted)."""
    return spec == "api_key" or spec.removeprefix("header:") in SECRET_HEADERS


def trace(decision: Decision, operation_id: str) -> list[str]:
    """What selection saw, for `--log-level debug`: the scenario chosen, or the nearest misses and why."""
    lines = []
    if decision.skipped:
        lines.append(f"scenario '{decision.skipped['scenario']}' (X-Mock-Scenario) skipped: "
                     f"{'; '.join(decision.skipped['why'])}")
    chosen = decision.scenario
    if chosen:
        lines.append(f"scenario '{chosen['name']}' chosen ({'; '.join(chosen['why'])}); key {chosen['key']!r}, "
                     f"step {chosen.get('step', '-')}: {chosen.get('outcome', 'answered')}")
        return lines
    if decision.considered is None:
        return lines
    lines.append(f"{decision.considered} scenario(s) could answer {operation_id}; none matched")
    for miss in (decision.misses() if callable(decision.misses) else decision.misses or []):
        lines.append(f"  nearest '{miss['scenario']}': {'; '.join(miss['failed'])}")
    return lines


def _dump(scenario: Scenario) -> dict:
    return {"document": scenario.document, "source": scenario.source, "line": scenario.line,
            "scope": scenario.scope}


def _load_one(data: dict) -> Scenario:
    found, errors = build_scenarios(data["document"], data["source"])
    if errors or len(found) != 1:
        raise ValueError(f"a shared scenario no longer loads: {'; '.join(map(str, errors)) or 'not one scenario'}")
    found[0].line = data["line"]
    found[0].scope = data.get("scope")
    return found[0]


SCENARIO_CODEC = Codec(_dump, _load_one)  # how a shared state keeps scenarios added at run time


__all__ = ["SCENARIO_CODEC", "ScenarioEngine", "ScenarioLoadError", "ScenarioError", "check_directories", "DEFAULT_DIR"]
