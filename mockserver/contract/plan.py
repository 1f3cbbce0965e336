"""Which requests a run sends, decided before the first one: per operation, cases by priority, within the budget.

Schemathesis generates them: the documented examples and its coverage cases (boundaries, missing fields,
wrong types, undocumented methods) come from its coverage generator, random valid requests from its
Hypothesis strategies (drawn last, only for the slots the budget keeps, since they are the slow part).
Every streamable operation gets a request that asks for the stream and one that does not; every operation
that starts an async job gets one job that is followed to its end.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .jobs import MAX_ASSETS, JobSpec

if TYPE_CHECKING:
    from schemathesis import Case
    from schemathesis.schemas import APIOperation, BaseSchema

    from ..spec import Operation, Spec

# Priority tiers: the budget keeps lower tiers first, across all operations, before any higher one.
TIERS = {"example": 0, "job": 0, "stream": 1, "no-stream": 1, "more-examples": 2, "positive": 3, "coverage": 4,
         "negative": 5}
BASE_SCENARIOS = ("example_value", "default_positive_test", "object_only_required", "valid_object")


@dataclass
class Planned:
    """One request to send; a `job` also polls its fetch operation and fetches assets (its `cost` says how many)."""

    kind: str
    case: "Case | None"   # None until drawn: a random valid request from Hypothesis
    cost: int = 1
    rank: int = 0
    note: str = ""

    @property
    def tier(self) -> int:
        """Where the budget ranks this request."""
        return TIERS[self.kind]


@dataclass
class OperationPlan:
    """One operation's requests, and anything that kept the generator from making them."""

    operation: "APIOperation"
    spec_op: "Operation"
    planned: list[Planned] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    dropped: int = 0
    stream_switch: dict | None = None
    job: JobSpec | None = None

    @property
    def operation_id(self) -> str:
        """The spec's name for the operation."""
        return self.spec_op.operation_id

    @property
    def cost(self) -> int:
        """Requests this operation may take."""
        return sum(p.cost for p in self.planned)


@dataclass
class Plan:
    """The whole run, before it starts."""

    operations: list[OperationPlan]
    budget: int | None
    job_polls: int

    @property
    def cost(self) -> int:
        """Requests the run may take (job polls counted at their maximum)."""
        return sum(op.cost for op in self.operations)

    def counts(self) -> dict[str, int]:
        """Planned requests by kind."""
        counts: dict[str, int] = {}
        for op in self.operations:
            for planned in op.planned:
                counts[planned.kind] = counts.get(planned.kind, 0) + 1
        return counts


def stream_switch(op: "Operation") -> dict | None:
    """What a client sends to get the operation's event stream: `x-stream-request`, else its stream flag."""
    if op.raw.get("x-stream-request"):
        return op.raw["x-stream-request"]
    if op.stream_param:
        return {"body": {op.stream_param: True}}
    return None


def build(schema: "BaseSchema", spec: "Spec", operations: list["APIOperation"], *, max_examples: int,
          negative: bool, budget: int | None, job_polls: int, seed: int) -> Plan:
    """Plan every operation, keep what the budget allows, then draw the random cases it kept."""
    by_id = {op.operation_id: op for op in spec.operations}
    plans = []
    for operation in operations:
        spec_op = by_id[operation.definition.raw["operationId"]]
        plans.append(_plan_operation(schema, operation, spec_op, max_examples=max_examples, negative=negative,
                                     job_polls=job_polls))
    _apply_budget(plans, budget)
    blanks = blank_credentials(spec)
    for plan in plans:
        _draw(plan, seed)
        for planned in plan.planned:
            _strip_blank_credentials(planned.case, blanks)
    return Plan(plans, budget, job_polls)


def blank_credentials(spec: "Spec") -> tuple[set[str], set[str]]:
    """The header and query names the spec's security schemes use: Schemathesis leaves them blank for auth to fill."""
    headers, query = set(), set()
    for scheme in (spec.components.get("securitySchemes") or {}).values():
        scheme = spec.resolve(scheme)
        if scheme.get("type") == "http":
            headers.add("authorization")
        elif scheme.get("type") == "apiKey":
            (query if scheme.get("in") == "query" else headers).add(str(scheme.get("name", "")).lower())
    return headers, query


def _strip_blank_credentials(case: "Case | None", blanks: tuple[set[str], set[str]]) -> None:
    """Drop credential headers and query keys left empty (`Bearer `, ''): the run's own headers carry the key."""
    if case is None:
        return
    headers, query = blanks
    for name in [n for n in (case.headers or {}) if n.lower() in headers]:
        value = str(case.headers[name]).strip()
        if not value or value.lower() == "bearer":
            del case.headers[name]
    for name in [n for n in (case.query or {}) if n.lower() in query]:
        if case.query[name] in ("", None):
            del case.query[name]


def _plan_operation(schema: "BaseSchema", operation: "APIOperation", spec_op: "Operation", *, max_examples: int,
                    negative: bool, job_polls: int) -> OperationPlan:
    plan = OperationPlan(operation, spec_op, stream_switch=stream_switch(spec_op), job=JobSpec.of(spec_op))
    try:
        coverage = list(_coverage(schema, operation, negative))
    except Exception as exc:  # the generator cannot read this request schema: an error the run reports
        plan.problems.append(f"cannot generate coverage cases: {type(exc).__name__}: {exc}")
        coverage = []
    examples = [c for c in coverage if _scenario(c) == "example_value" and not _is_negative(c)]
    positives = [c for c in coverage if _scenario(c) != "example_value" and not _is_negative(c)]
    negatives = [c for c in coverage if _is_negative(c)]
    base = examples[0] if examples else next((c for name in BASE_SCENARIOS[1:] for c in positives
                                              if _scenario(c) == name), None)
    rank = 0

    def add(kind: str, case: "Case | None", cost: int = 1, note: str = "") -> None:
        nonlocal rank
        plan.planned.append(Planned(kind, case, cost, rank, note))
        rank += 1

    first_kind, first_cost = ("job", 1 + job_polls + MAX_ASSETS) if plan.job else ("example", 1)
    add(first_kind, base, first_cost)
    if plan.stream_switch is not None:
        if base is None:  # made from the first random valid request once drawn
            add("stream", None, note=_describe(plan.stream_switch))
            add("no-stream", None)
        else:
            add("stream", _with_switch(base, plan.stream_switch, on=True), note=_describe(plan.stream_switch))
            plain = _with_switch(base, plan.stream_switch, on=False)
            if (plain.body, plain.query) != (base.body, base.query):  # else the first request already is one
                add("no-stream", plain)
    for case in examples[1:max_examples]:
        add("more-examples", case)
    for _ in range(max_examples):
        add("positive", None)
    for case in _spread([c for c in positives if c is not base], max_examples):
        add("coverage", case, note=_scenario(case))
    if negative:
        for case in _spread(negatives, max_examples):
            add("negative", case, note=_scenario(case))
    if base is None:
        plan.planned[0].note = "a random valid request: no documented example"
    return plan


def _coverage(schema: "BaseSchema", operation: "APIOperation", negative: bool) -> Iterable["Case"]:
    from schemathesis import GenerationMode

    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if negative else [GenerationMode.POSITIVE]
    config = schema.config.generation_for(operation=operation, phase="coverage")
    return schema.iter_coverage_cases(operation, generation_modes=modes, generation_config=config)


def _scenario(case: "Case") -> str:
    data = getattr(getattr(case.meta, "phase", None), "data", None) if case.meta else None
    scenario = getattr(data, "scenario", None)
    return getattr(scenario, "value", "generated")


def _is_negative(case: "Case") -> bool:
    from schemathesis import GenerationMode

    generation = getattr(case.meta, "generation", None) if case.meta else None
    return getattr(generation, "mode", None) == GenerationMode.NEGATIVE


def _spread(cases: list["Case"], count: int) -> list["Case"]:
    """Up to `count` cases, one per coverage scenario in turn, so a few requests probe many kinds of input."""
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(_scenario(case), []).append(case)
    picked: list[Case] = []
    depth = 0
    while len(picked) < count and any(depth < len(g) for g in groups.values()):
        picked += [g[depth] for g in groups.values() if depth < len(g)][:count - len(picked)]
        depth += 1
    return picked


def _apply_budget(plans: list[OperationPlan], budget: int | None) -> None:
    """Keep the most valuable requests of every operation first (tier, then rank), until the budget is spent."""
    if budget is None:
        return
    order = sorted(((p.tier, p.rank, index, p) for index, plan in enumerate(plans) for p in plan.planned),
                   key=lambda item: item[:3])
    left, kept = budget, set()
    for _, _, _, planned in order:
        if planned.cost <= left:
            kept.add(id(planned))
            left -= planned.cost
    for plan in plans:
        before = len(plan.planned)
        plan.planned = [p for p in plan.planned if id(p) in kept]
        plan.dropped = before - len(plan.planned)


def _draw(plan: OperationPlan, seed: int) -> None:
    """Fill the random slots with Hypothesis draws from Schemathesis' strategy for the operation."""
    slots = [p for p in plan.planned if p.case is None]
    if not slots:
        return
    derived = [p for p in slots if p.kind in ("stream", "no-stream")]
    drawn_slots = [p for p in slots if p.kind not in ("stream", "no-stream")]
    try:
        cases = draw_positive(plan.operation, max(1, len(drawn_slots)), seed)
    except Exception as exc:  # the generator cannot make a valid request: an error, never a silent skip
        plan.problems.append(f"cannot generate valid requests: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        cases = []
    for slot, case in zip(drawn_slots, cases, strict=False):
        slot.case = case
    for slot in derived if cases else ():
        slot.case = _with_switch(cases[0], plan.stream_switch, on=slot.kind == "stream")
    plan.planned = [p for p in plan.planned if p.case is not None]


def draw_positive(operation: "APIOperation", count: int, seed: int) -> list["Case"]:
    """`count` distinct valid requests, the same ones for the same seed."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from schemathesis import GenerationMode

    drawn: list[Case] = []

    @hypothesis_seed(seed)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    def collect(case: "Case") -> None:
        drawn.append(case)

    collect()
    return drawn[:count]


# ---------------------------------------------------------------- asking for the stream (or not)

def _with_switch(case: "Case", switch: dict, *, on: bool) -> "Case":
    """A copy of `case` that asks for the event stream (or, `on=False`, that does not)."""
    body = case.body
    if isinstance(body, dict):
        body = dict(body)
        for name, value in (switch.get("body") or {}).items():
            if on:
                body[name] = value
            elif name in body and name in _stream_flags(switch):
                del body[name]
        if on:
            for name, media in (switch.get("files") or {}).items():
                body[name] = sample_file(media)
    query = dict(case.query or {})
    for name, value in (switch.get("query") or {}).items():
        if on:
            query[name] = value
        else:
            query.pop(name, None)
    content_types = dict(case.multipart_content_types or {}) if on else case.multipart_content_types
    if on and switch.get("files"):
        content_types.update(switch["files"])
    return case.operation.schema.make_case(
        operation=case.operation, path_parameters=dict(case.path_parameters or {}), headers=dict(case.headers or {}),
        cookies=dict(case.cookies or {}), query=query, body=body, media_type=case.media_type,
        multipart_content_types=content_types or None)


def _stream_flags(switch: dict) -> set[str]:
    """The body fields whose absence means "no stream" (the flag itself, not the model it needs)."""
    return {name for name, value in (switch.get("body") or {}).items() if value is True or name.startswith("stream")}


def _describe(switch: dict) -> str:
    """`stream: true`, `?alt=sse`: how the request asks for the stream."""
    import orjson

    parts = [f"{k}: {orjson.dumps(v).decode()}" for k, v in (switch.get("body") or {}).items()]
    parts += [f"?{k}={v}" for k, v in (switch.get("query") or {}).items()]
    return ", ".join(parts)


def sample_file(media: str) -> bytes:
    """A small valid upload of a media type (a second of silence for audio)."""
    if media.startswith("audio/"):
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(16000)
            out.writeframes(b"\0\0" * 16000)
        return buffer.getvalue()
    from schemathesis.core.file_samples import MEDIA_TYPE_FILE_SAMPLES

    return MEDIA_TYPE_FILE_SAMPLES.get(media, MEDIA_TYPE_FILE_SAMPLES["image/png"])
