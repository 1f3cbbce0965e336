"""Does a request fit a scenario? Cheap conditions first; the conversation is parsed only when needed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..context import RequestContext
from ..conversation import Conversation, Message, ToolResult
from ..journal import SECRET_HEADERS, redact
from .model import Condition, Match, Scenario

PATH_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[(\*|-?\d+)\]")


def json_path(value: Any, path: str) -> list[Any]:
    """Values at a dotted path: `messages[-1].content`, `tools[*].function.name` (a small JSONPath subset)."""
    path = path.removeprefix("$").removeprefix(".")
    current = [value]
    for name, index in PATH_TOKEN.findall(path):
        found: list[Any] = []
        for item in current:
            if name:
                if isinstance(item, dict) and name in item:
                    found.append(item[name])
            elif isinstance(item, list):
                if index == "*":
                    found.extend(item)
                elif -len(item) <= int(index) < len(item):
                    found.append(item[int(index)])
        current = found
    return current


@dataclass
class Verdict:
    """The outcome for one scenario: matched, and which conditions passed or failed (and why)."""

    scenario: Scenario
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        """No condition failed."""
        return not self.failed

    def summary(self) -> dict:
        """For the journal."""
        return {"scenario": self.scenario.name, "passed": self.passed, "failed": self.failed}


class RequestView:
    """The parts of a request conditions look at, computed on first use."""

    def __init__(self, ctx: RequestContext, parse: Callable[[RequestContext], Conversation] | None) -> None:
        self.ctx = ctx
        self._parse = parse
        self._conversation: Conversation | None = None

    @property
    def model(self) -> str | None:
        """The body's `model`, or the `{model}` of the path (Gemini)."""
        body = self.ctx.body
        if isinstance(body, dict) and isinstance(body.get("model"), str):
            return body["model"]
        model = self.ctx.path_params.get("model")
        return model.removeprefix("models/") if model else None

    @property
    def conversation(self) -> Conversation:
        """The dialect's parse of the body, or a best-effort reading of common shapes."""
        if self._conversation is None:
            parsed = self.ctx.conversation(self._parse) if self._parse else None
            self._conversation = parsed if parsed is not None else fallback_conversation(self.ctx.body, self.model)
            self.ctx.notes.setdefault("conversation", self._conversation)
        return self._conversation

    def is_stream(self) -> bool:
        """A streamed answer was asked for (the stream field, or a streaming operation)."""
        return self.ctx.wants_stream() or "stream" in self.ctx.operation.operation_id.lower()


def operation_names(ctx: RequestContext) -> set[str]:
    """Names `match.operation` accepts for this request: operationId, handler module, dialect."""
    op = ctx.operation
    names = {op.operation_id, ctx.dialect}
    if op.handler_name:
        names.add(op.handler_name.partition(":")[0])
        names.add(op.handler_name)
    return names


def quick_reject(match: Match, view: RequestView) -> bool:
    """A cheap, label-free pre-check of the commonest triggers (model, headers, message): True = cannot match."""
    if match.model is not None and not match.model.test(view.model):
        return True
    headers = view.ctx.headers
    if any(not cond.test(headers.get(name)) for name, cond in match.headers.items()):
        return True
    return match.message is not None and not match.message.test(view.conversation.last_user_text())


def evaluate(scenario: Scenario, view: RequestView, *, complete: bool = False, explicit: bool = False) -> Verdict:
    """Check a scenario's conditions in cost order; stop at the first failure unless `complete`."""
    verdict = Verdict(scenario)
    m: Match = scenario.match
    ctx = view.ctx
    checks: list[tuple[str, Callable[[], str | None]]] = []
    if m.operations:
        checks.append((f"operation is {' / '.join(m.operations)}", lambda: None if operation_names(ctx) & set(m.operations) else
                       f"operation {ctx.operation.operation_id} is not {' / '.join(m.operations)}"))
    if not explicit:
        if m.explicit:
            checks.append(("match", lambda: "has no 'match': selected only by the X-Mock-Scenario header"))
        if m.stream is not None:
            checks.append((f"stream is {m.stream}", lambda: None if view.is_stream() == m.stream else
                           f"stream is {view.is_stream()}, wanted {m.stream}"))
        for name, cond in m.headers.items():
            checks.append((f"header {name} {cond.describe()}",
                           _cond_check(f"header {name}", cond, lambda n=name: ctx.headers.get(n),
                                       secret=name in SECRET_HEADERS)))
        if m.model is not None:
            checks.append((f"model {m.model.describe()}", _cond_check("model", m.model, lambda: view.model)))
        for path, cond in m.body.items():
            checks.append((f"body {path} {cond.describe()}", _path_check(path, cond, ctx.body)))
        if m.message is not None:
            checks.append((f"last user message {m.message.describe()}", _cond_check("last user message", m.message,
                                                   lambda: view.conversation.last_user_text())))
        if m.system is not None:
            checks.append((f"system prompt {m.system.describe()}", _cond_check("system prompt", m.system, lambda: view.conversation.system or None)))
        if m.tools is not None:
            checks.append((f"tools present is {m.tools}", lambda: None if bool(view.conversation.tools) == m.tools else
                           f"request {'has' if view.conversation.tools else 'has no'} tools"))
        if m.tool_result is not None:
            checks.append((f"tool result present is {m.tool_result}", lambda: None if bool(_tool_results(view.conversation)) == m.tool_result
                           else f"request {'has' if _tool_results(view.conversation) else 'has no'} tool result"))
        if m.tool is not None:
            checks.append((f"tool '{m.tool}' declared", lambda: None if view.conversation.tool_named(m.tool) else
                           f"no tool named '{m.tool}' (tools: {[t.name for t in view.conversation.tools]})"))
    for name, check in checks:
        reason = check()
        if reason is None:
            verdict.passed.append(name)
        else:
            verdict.failed.append(reason)
            if not complete:
                break
    return verdict


def _cond_check(label: str, cond: Condition, get: Callable[[], Any], secret: bool = False) -> Callable[[], str | None]:
    def check() -> str | None:
        actual = get()
        if cond.test(actual):
            return None
        shown = repr(redact(actual)) if secret and isinstance(actual, str) else _show(actual)
        return f"{label} {shown} does not {cond.describe()}"
    return check


def _path_check(path: str, cond: Condition, body: Any) -> Callable[[], str | None]:
    def check() -> str | None:
        values = json_path(body, path)
        if cond.kind == "exists":
            ok = bool(values) == bool(cond.value)
        else:
            ok = any(cond.test(v) for v in values)
        return None if ok else f"body {path} = {_show(values[0] if len(values) == 1 else values or None)} " \
                               f"does not {cond.describe()}"
    return check


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _tool_results(conv: Conversation) -> list[ToolResult]:
    return [r for m in conv.messages for r in m.tool_results]


def fallback_conversation(body: Any, model: str | None) -> Conversation:
    """A rough conversation from common body shapes, for matching before a dialect module exists."""
    conv = Conversation(model=model or "")
    if not isinstance(body, dict):
        return conv
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            role = str(message.get("role", "user"))
            text = _text_of(message.get("content"))
            if role in ("system", "developer"):
                conv.system = "\n".join(p for p in (conv.system, text) if p)
            else:
                msg = Message(role=role, text=text)
                if role == "tool":
                    msg.tool_results.append(ToolResult(call_id=str(message.get("tool_call_id", "")), content=text))
                conv.messages.append(msg)
    for content in body.get("contents") or []:
        if isinstance(content, dict):
            parts = content.get("parts") or []
            text = "".join(p.get("text", "") for p in parts if isinstance(p, dict))
            conv.messages.append(Message(role="user" if content.get("role", "user") == "user" else "assistant",
                                         text=text))
    prompt = body.get("input", body.get("prompt"))
    if isinstance(prompt, str):
        conv.messages.append(Message(role="user", text=prompt))
    elif isinstance(prompt, list):
        for item in prompt:
            if isinstance(item, dict) and item.get("role"):
                conv.messages.append(Message(role=str(item["role"]), text=_text_of(item.get("content"))))
            elif isinstance(item, str):
                conv.messages.append(Message(role="user", text=item))
    system = body.get("system", body.get("instructions"))
    if system:
        conv.system = _text_of(system)
    return conv


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""
