"""In-process tests of the validate and select stages: schema violations, scenario matching, decisions."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from mockserver.core.context import RequestContext
from mockserver.core.services import Services
from mockserver.dialects import conversations, providers
from mockserver.pipeline.select import DEFAULT, SCENARIO, select
from mockserver.scenarios.engine import ScenarioEngine
from mockserver.scenarios.loader import parse_text
from mockserver.scenarios.matcher import RequestView, evaluate, json_path, quick_reject
from mockserver.settings import Settings
from mockserver.spec import Spec
from mockserver.state import State
from mockserver.tasks.store import TaskStore

SCENARIOS = """
scenarios:
  - name: by-model
    match: {model: "exact-model"}
    reply: {text: model matched}
  - name: by-text
    match: {message: "[trigger:words]"}
    reply: {text: text matched}
  - name: by-body
    match: {body: {temperature: 0.25}}
    fault: {status: 503}
"""


@pytest.fixture()
def services(spec: Spec, tmp_path) -> Services:
    (tmp_path / "s.yaml").write_text(SCENARIOS)
    state = State()
    services = Services(settings=Settings(), spec=spec, state=state, tasks=TaskStore(state.jobs))
    services.scenarios = ScenarioEngine(spec.operations, state.counters, [tmp_path])
    return services


def chat_context(services: Services, body: dict, headers: dict | None = None) -> RequestContext:
    op = next(o for o in services.spec.operations if o.operation_id == "createChatCompletion")
    scope = {"type": "http", "method": "POST", "path": op.path, "headers": [], "query_string": b""}
    ctx = RequestContext(scope, None, services, headers or {})
    ctx.operation, ctx.body, ctx.raw_body = op, body, orjson.dumps(body)
    ctx.dialect = conversations()["chat:create"]
    return ctx


def body(text: str = "hello", model: str = "gpt-4o", **extra: object) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def test_validators_name_the_field_in_each_providers_words(spec: Spec) -> None:
    op = next(o for o in spec.operations if o.operation_id == "createChatCompletion")
    violation = op.body_validators["application/json"].first_violation({"model": "gpt-4o"})
    assert violation.param == "messages" and violation.code == "missing_required_parameter"
    assert providers()["openai"].validation_error(violation).message == "Missing required parameter: 'messages'."
    assert providers()["anthropic"].validation_error(violation).message.startswith("messages: Field required")


def test_json_path_reads_the_small_jsonpath_subset() -> None:
    doc = {"messages": [{"content": "a"}, {"content": "b"}], "tools": [{"function": {"name": "f"}}]}
    assert json_path(doc, "messages[-1].content") == ["b"]
    assert json_path(doc, "tools[*].function.name") == ["f"]
    assert json_path(doc, "missing.path") == []


def test_quick_reject_skips_scenarios_whose_text_is_not_in_the_raw_body(services: Services) -> None:
    by_text = services.scenarios.by_name["by-text"]
    assert quick_reject(by_text.match, RequestView(chat_context(services, body("no trigger here"))))
    view = RequestView(chat_context(services, body("please [TRIGGER:words] now")))
    assert not quick_reject(by_text.match, view) and evaluate(by_text, view).matched


def test_a_miss_explains_why_each_condition_failed(services: Services) -> None:
    verdict = evaluate(services.scenarios.by_name["by-model"], RequestView(chat_context(services, body())),
                       complete=True)
    assert not verdict.matched and verdict.failed == ["model 'gpt-4o' does not match the glob 'exact-model'"]


@pytest.mark.parametrize("request_body, source, label", [
    (body(model="exact-model"), SCENARIO, "scenario:by-model"),
    (body("[trigger:words]"), SCENARIO, "scenario:by-text"),
    (body(temperature=0.25), SCENARIO, "scenario:by-body"),
    (body(), DEFAULT, "chat:create"),
])
def test_select_returns_a_decision_value(services: Services, request_body: dict, source: str, label: str) -> None:
    decision = asyncio.run(select(chat_context(services, request_body), True))
    assert (decision.source, decision.label) == (source, label)
    if source == DEFAULT:
        assert decision.considered == 3 and len(decision.misses()) == 3


def test_prefer_is_a_decision_too(services: Services) -> None:
    decision = asyncio.run(select(chat_context(services, body(), {"prefer": "code=429"}), True))
    assert decision.source == "prefer" and decision.label == "prefer:429"


def test_scenarios_in_a_file_are_checked_with_lines() -> None:
    _, errors = parse_text("name: x\nreply: {text: one}\nfault: {stauts: 500}\n", "inline")
    assert len(errors) == 1 and str(errors[0]).startswith("inline:3: unknown key 'stauts' in scenario 'x'.fault")
