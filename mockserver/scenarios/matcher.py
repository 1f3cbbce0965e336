"""Does a request fit a scenario? Cheap conditions first; the conversation is parsed only when needed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.context import RequestContext
from ..core.conversation import Conversation, Message, ToolResult
from ..core.errors import MockError
from ..state.journal import SECRET_HEADERS, redact
from .fingerprint import request_fingerprint
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

    __slots__ = ("ctx", "_conversation", "_raw_lower", "_fingerprint")

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx
        self._conversation: Conversation | None = None
        self._raw_lower: str | None = None
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        """The request's canonical digest (what a recording's `match.fingerprint` holds)."""
        if self._fingerprint is None:
            self._fingerprint = request_fingerprint(self.ctx)
        return self._fingerprint

    @property
    def raw_lower(self) -> str:
        """The raw body in lower case, read as latin-1 (never fails), for the text pre-check."""
        if self._raw_lower is None:
            self._raw_lower = self.ctx.raw_body.decode("latin-1").lower()
        return self._raw_lower

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
            ctx = self.ctx
            if ctx.dialect is not None and ctx.dialect.conversational and ctx.dialect.parses(ctx.operation):
                try:
                    self._conversation = ctx.conversation
                except MockError:  # the default path will report it; matching reads what it can
                    self._conversation = fallback_conversation(ctx.body, self.model)
            else:
                self._conversation = fallback_conversation(ctx.body, self.model)
        return self._conversation

    def is_stream(self) -> bool:
        """A streamed answer was asked for."""
        return self.ctx.stream


_NAMES: dict[tuple[str, str], frozenset[str]] = {}


def operation_names(ctx: RequestContext) -> frozenset[str]:
    """Names `match.operation` accepts for this request: operationId, handler module, dialect."""
    op = ctx.operation
    key = (op.operation_id, ctx.dialect.name)
    names = _NAMES.get(key)
    if names is None:
        found = {op.operation_id, ctx.dialect.name}
        if op.handler_name:
            found |= {op.handler_name.partition(":")[0], op.handler_name}
        names = _NAMES[key] = frozenset(found)
    return names


Check = Callable[[RequestView], "str | None"]
PLAIN_NEEDLE = re.compile(r"^[ -~]+$")  # printable ASCII: JSON writes it as it is (no escapes)


def raw_needle(cond: Condition | None) -> str | None:
    """Lower-case text that must appear in the raw body for a text condition to hold (None: no shortcut)."""
    if cond is None or cond.kind not in ("contains", "equals") or not isinstance(cond.value, str):
        return None
    text = cond.value
    if not text or not PLAIN_NEEDLE.match(text) or any(c in text for c in '"\\/'):
        return None
    return text.lower()


def quick_reject(match: Match, view: RequestView) -> bool:
    """A cheap pre-check of the commonest triggers (model, headers, body keys, text in the raw body): True = no match."""
    if match.model is not None and not match.model.test(view.model):
        return True
    if match.headers:
        headers = view.ctx.headers
        for name, cond in match.headers.items():
            if not cond.test(headers.get(name)):
                return True
    needles = match.needles
    if needles is None:
        needles = match.needles = (tuple(n for n in (raw_needle(match.message), raw_needle(match.system)) if n),
                                   body_keys(match))
    text, keys = needles
    if keys:
        body = view.ctx.body
        if not isinstance(body, dict):
            return True
        for key in keys:
            if key not in body:
                return True
    if text:
        lowered = view.raw_lower  # str: `in` on bytes costs a failed int conversion first
        if "\\u" not in lowered:
            for needle in text:
                if needle not in lowered:
                    return True
    return False


def body_keys(match: Match) -> tuple[str, ...]:
    """Top-level body keys a match's `body` conditions need present (all but `exists: false`)."""
    keys = []
    for path, cond in match.body.items():
        first = PATH_TOKEN.match(path.removeprefix("$").removeprefix("."))
        if first and first.group(1) and not (cond.kind == "exists" and not cond.value):
            keys.append(first.group(1))
    return tuple(keys)


def evaluate(scenario: Scenario, view: RequestView, *, complete: bool = False, explicit: bool = False) -> Verdict:
    """Check a scenario's conditions in cost order; stop at the first failure unless `complete`."""
    verdict = Verdict(scenario)
    m: Match = scenario.match
    compiled = m.compiled
    if compiled is None:
        compiled = m.compiled = (compile_checks(m, explicit=False), compile_checks(m, explicit=True))
    for name, check in compiled[1 if explicit else 0]:
        reason = check(view)
        if reason is None:
            verdict.passed.append(name)
        else:
            verdict.failed.append(reason)
            if not complete:
                break
    return verdict


def compile_checks(m: Match, *, explicit: bool) -> list[tuple[str, Check]]:
    """A match's conditions as (label, check) pairs in cost order, built once per scenario."""
    checks: list[tuple[str, Check]] = []
    if m.operations:
        wanted, shown = set(m.operations), " / ".join(m.operations)
        checks.append((f"operation is {shown}", lambda v: None if operation_names(v.ctx) & wanted else
                       f"operation {v.ctx.operation.operation_id} is not {shown}"))
    if explicit:
        return checks
    if m.explicit:
        checks.append(("match", lambda v: "has no 'match': selected only by the X-Mock-Scenario header"))
    if m.stream is not None:
        checks.append((f"stream is {m.stream}", lambda v: None if v.is_stream() == m.stream else
                       f"stream is {v.is_stream()}, wanted {m.stream}"))
    for name, cond in m.headers.items():
        checks.append((f"header {name} {cond.describe()}",
                       _cond_check(f"header {name}", cond, lambda v, n=name: v.ctx.headers.get(n),
                                   secret=name in SECRET_HEADERS)))
    if m.model is not None:
        checks.append((f"model {m.model.describe()}", _cond_check("model", m.model, lambda v: v.model)))
    for path, cond in m.body.items():
        checks.append((f"body {path} {cond.describe()}", _path_check(path, cond)))
    if m.message is not None:
        checks.append((f"last user message {m.message.describe()}",
                       _cond_check("last user message", m.message, lambda v: v.conversation.last_user_text())))
    if m.system is not None:
        checks.append((f"system prompt {m.system.describe()}",
                       _cond_check("system prompt", m.system, lambda v: v.conversation.system or None)))
    if m.tools is not None:
        checks.append((f"tools present is {m.tools}", lambda v: None if bool(v.conversation.tools) == m.tools else
                       f"request {'has' if v.conversation.tools else 'has no'} tools"))
    if m.tool_result is not None:
        checks.append((f"tool result present is {m.tool_result}",
                       lambda v: None if bool(_tool_results(v.conversation)) == m.tool_result
                       else f"request {'has' if _tool_results(v.conversation) else 'has no'} tool result"))
    if m.tool is not None:
        checks.append((f"tool '{m.tool}' declared", lambda v: None if v.conversation.tool_named(m.tool) else
                       f"no tool named '{m.tool}' (tools: {[t.name for t in v.conversation.tools]})"))
    if m.fingerprint is not None:
        checks.append((f"fingerprint {m.fingerprint}", lambda v: None if v.fingerprint == m.fingerprint else
                       f"request fingerprint {v.fingerprint} is not {m.fingerprint} (the body, path parameters "
                       "or query differ from the recorded request)"))
    return checks


def _cond_check(label: str, cond: Condition, get: Callable[[RequestView], Any], secret: bool = False) -> Check:
    def check(view: RequestView) -> str | None:
        actual = get(view)
        if cond.test(actual):
            return None
        shown = repr(redact(actual)) if secret and isinstance(actual, str) else _show(actual)
        return f"{label} {shown} {cond.describe_failure()}"
    return check


def _path_check(path: str, cond: Condition) -> Check:
    def check(view: RequestView) -> str | None:
        values = json_path(view.ctx.body, path)
        if cond.kind == "exists":
            ok = bool(values) == bool(cond.value)
        else:
            ok = any(cond.test(v) for v in values)
        return None if ok else f"body {path} = {_show(values[0] if len(values) == 1 else values or None)} " \
                               f"{cond.describe_failure()}"
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
