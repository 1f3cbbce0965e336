"""The scenario file model: what a YAML scenario may say, checked with file and line."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODES = ("stick", "cycle", "once")
FINISHES = ("stop", "length", "tool_calls", "content_filter", "stop_sequence", "refusal")
SCENARIO_KEYS = {"name", "description", "priority", "match", "sequence", "mode", "key", "rate_limit", "seed", "on_tool_result"}
STEP_KEYS = {"reply", "fault", "raw", "stream", "task", "probability", "pass"}
MATCH_KEYS = {"operation", "model", "message", "system", "tools", "tool_result", "tool", "headers", "body", "stream",
              "fingerprint"}
CONDITION_KINDS = ("equals", "contains", "regex", "glob", "exists")
TEMPLATE = re.compile(r"\{\{\s*([\w.\-\[\]*]+)\s*\}\}")
TEMPLATE_NAMES = ("model", "last_user_message", "message", "system", "scenario", "count", "base_url", "lbraces")
TEMPLATE_HELP = ("model, last_user_message, message, system, header.<name>, body.<path>, scenario, count, base_url, "
                 "lbraces")
TEMPLATE_PATH = re.compile(r"(header\.[\w\-]+|body\.[\w.\-\[\]*]+)")
TASK_KEYS = ("duration_ms", "polls", "fail_at", "fail_reason", "fail_code")
FINGERPRINT = re.compile(r"^[0-9a-f]{8,64}$")
EVENT_KEYS = {"event", "data", "frame", "delay_ms"}
TYPE_NAMES = {float: "a number", int: "an integer", str: "a string", bool: "true or false", dict: "a mapping",
              list: "a list"}


def template_problems(value: Any) -> list[str]:
    """What is wrong with the `{{...}}` templates in a value (strings at any depth)."""
    if isinstance(value, dict):
        return [p for v in value.values() for p in template_problems(v)]
    if isinstance(value, list):
        return [p for v in value for p in template_problems(v)]
    if not isinstance(value, str):
        return []
    problems = []
    position = value.find("{{")
    while position >= 0:
        found = TEMPLATE.match(value, position)
        if found is None:
            end = value.find("}}", position)
            snippet = value[position:end + 2] if end >= 0 else value[position:position + 30]
            problems.append(f"unclosed or malformed template {snippet!r} (a template is {{{{name}}}})" if end < 0
                            else f"malformed template {snippet!r} (a template is {{{{name}}}})")
            if end < 0:
                break
            position = value.find("{{", end + 2)
            continue
        name = found.group(1)
        if name not in TEMPLATE_NAMES and not TEMPLATE_PATH.fullmatch(name):
            problems.append(f"unknown template {{{{{name}}}}} (known: {TEMPLATE_HELP})")
        position = value.find("{{", found.end())
    return problems


class ScenarioError(Exception):
    """A problem in a scenario file, at a line."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(reason)
        self.source, self.line, self.reason = source, line, reason

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}" if self.line else f"{self.source}: {self.reason}"


@dataclass
class Condition:
    """A test on one value: equals, contains (case-insensitive), regex, glob or exists."""

    kind: str
    value: Any
    pattern: re.Pattern | None = None

    def test(self, actual: Any) -> bool:
        """Whether `actual` satisfies the condition (`None` means absent)."""
        if self.kind == "exists":
            return (actual is not None) == bool(self.value)
        if actual is None:
            return False
        if self.kind == "equals":
            return actual == self.value
        text = actual if isinstance(actual, str) else str(actual)
        if self.kind == "contains":
            return str(self.value).lower() in text.lower()
        if self.kind == "glob":
            return fnmatch.fnmatchcase(text, str(self.value))
        return bool(self.pattern and self.pattern.search(text))

    def describe(self) -> str:
        """`contains 'weather'` etc."""
        return f"{self.kind} {self.value!r}"


@dataclass
class Match:
    """What a request must look like; `explicit` scenarios answer only `X-Mock-Scenario`."""

    operations: list[str] = field(default_factory=list)
    stream: bool | None = None
    model: Condition | None = None
    message: Condition | None = None
    system: Condition | None = None
    tools: bool | None = None
    tool_result: bool | None = None
    tool: str | None = None
    headers: dict[str, Condition] = field(default_factory=dict)
    body: dict[str, Condition] = field(default_factory=dict)
    fingerprint: str | None = None  # the canonical request digest (`scenarios/fingerprint.py`) of a recording
    explicit: bool = False
    compiled: Any = field(default=None, repr=False, compare=False)  # the matcher's checks, built on first use
    needles: Any = field(default=None, repr=False, compare=False)   # raw-body pre-check strings, ditto

    def size(self) -> int:
        """How many conditions (more is more specific)."""
        singles = [self.stream, self.model, self.message, self.system, self.tools, self.tool_result, self.tool,
                   self.fingerprint]
        return (bool(self.operations) + sum(v is not None for v in singles) + len(self.headers) + len(self.body))


@dataclass
class Fault:
    """An HTTP-level fault: error status and headers, reset, stall, broken JSON."""

    status: int | None = None
    message: str | None = None
    code: str | None = None
    type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    retry_after_ms: float | None = None
    should_retry: bool | None = None
    reset: bool = False
    stall_ms: float = 0.0
    invalid_json: bool = False


@dataclass
class StreamSpec:
    """Timing and faults of an event stream."""

    ttft_ms: float = 0.0
    tokens_per_second: float | None = None
    jitter_ms: float = 0.0
    chunk_size: int | None = None
    keepalive_ms: float | None = None
    stop_after: int | None = None
    stop: str = "clean"
    malformed_at: int | None = None
    error_at: int | None = None
    error: Fault | None = None


@dataclass
class ToolCallSpec:
    """A tool call a scripted reply makes."""

    name: str
    arguments: Any = None
    raw_arguments: str | None = None
    argument_chunks: list[str] | None = None
    id: str | None = None


@dataclass
class ReplySpec:
    """A reply in neutral terms (any dialect renders it)."""

    text: str | None = None
    text_chunks: list[str] | None = None
    tool_calls: list[ToolCallSpec] = field(default_factory=list)
    refusal: str | None = None
    reasoning: str | None = None
    finish: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    model: str | None = None


@dataclass
class RawSpec:
    """An exact response: status, headers, and a body, a file's bytes or SSE events (each with its delay)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    events: list[Any] | None = None
    body_file: Path | None = None  # resolved against the scenario file's directory


@dataclass
class Step:
    """One answer of a scenario (a scenario without `sequence` has exactly one)."""

    reply: ReplySpec | None = None
    fault: Fault | None = None
    raw: RawSpec | None = None
    stream: StreamSpec | None = None
    task: dict | None = None
    probability: float | None = None
    passthrough: bool = False
    line: int = 0

    def answers(self) -> bool:
        """Whether the step does anything (else the request gets default behaviour)."""
        return not self.passthrough and any(v is not None for v in (self.reply, self.fault, self.raw, self.stream,
                                                                     self.task))


@dataclass
class RateLimit:
    """Requests and tokens per minute, counted per key."""

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    key: str = "api_key"


@dataclass
class Scenario:
    """A named script: when it applies and what it answers."""

    name: str
    match: Match
    steps: list[Step]
    description: str = ""
    priority: int = 0
    mode: str = "stick"
    key: str = "header:x-test-id"
    rate_limit: RateLimit | None = None
    seed: int | None = None
    on_tool_result: Step | None = None
    source: str = ""
    line: int = 0
    document: dict = field(default_factory=dict)
    order: int = 0
    shipped: bool = False


class _Reader:
    """Typed access to one mapping, collecting errors with lines."""

    def __init__(self, node: Any, source: str, where: str, errors: list[ScenarioError], line: int = 0) -> None:
        self.source, self.where, self.errors = source, where, errors
        self.line = getattr(node, "line", 0) or line
        self.node = node if isinstance(node, dict) else {}
        if not isinstance(node, dict):
            self.fail(f"{where} must be a mapping, not {type(node).__name__}")

    def line_of(self, key: str) -> int:
        return getattr(self.node, "key_lines", {}).get(key, self.line)

    def fail(self, reason: str, key: str | None = None) -> None:
        self.errors.append(ScenarioError(self.source, self.line_of(key) if key else self.line, reason))

    def allow(self, keys: set[str]) -> None:
        for key in self.node:
            if key not in keys:
                self.fail(f"unknown key '{key}' in {self.where} (expected one of: {', '.join(sorted(keys))})", key)

    def get(self, key: str, kinds: type | tuple[type, ...], default: Any = None) -> Any:
        if key not in self.node or self.node[key] is None:
            return default
        value = self.node[key]
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            names = " or ".join(TYPE_NAMES.get(k, k.__name__) for k in kinds)
            self.fail(f"{self.where}.{key} must be {names}, not {type(value).__name__}", key)
            return default
        return value

    def number(self, key: str, *, minimum: float = 0, above: bool = False, integer: bool = False,
               default: Any = None) -> Any:
        """A number (an int if `integer`) at least `minimum` (or above it); errors name the key."""
        value = self.get(key, int if integer else float)
        if value is None:
            return default
        if value < minimum or (above and value == minimum):
            bound = f"greater than {minimum:g}" if above else f"at least {minimum:g}"
            self.fail(f"{self.where}.{key} must be {bound}, not {value:g}", key)
            return default
        return value

    def templated(self, key: str) -> None:
        """Fail on an unclosed `{{` or an unknown template name anywhere in the value at `key`."""
        for problem in template_problems(self.node.get(key)):
            self.fail(f"{self.where}.{key}: {problem}", key)

    def sub(self, key: str) -> "_Reader":
        return _Reader(self.node[key], self.source, f"{self.where}.{key}", self.errors, self.line_of(key))


def build_scenarios(document: Any, source: str) -> tuple[list[Scenario], list[ScenarioError]]:
    """Scenarios from a parsed file: one mapping, a list, or `{scenarios: [...]}`."""
    errors: list[ScenarioError] = []
    if isinstance(document, dict) and "scenarios" in document and "name" not in document:
        items = document["scenarios"]
        if not isinstance(items, list):
            return [], [ScenarioError(source, getattr(document, "line", 0), "'scenarios' must be a list")]
    elif isinstance(document, list):
        items = document
    else:
        items = [document]
    scenarios = []
    for index, item in enumerate(items):
        before = len(errors)
        scenario = _scenario(item, source, errors, index)
        if scenario is not None and len(errors) == before:
            scenarios.append(scenario)
    errors.sort(key=lambda e: e.line)  # file order (stable: one line's errors keep their order)
    return scenarios, errors


def _scenario(node: Any, source: str, errors: list[ScenarioError], index: int) -> Scenario | None:
    r = _Reader(node, source, f"scenario #{index + 1}", errors)
    if not isinstance(node, dict):
        return None
    name = r.get("name", str)
    if not name:
        r.fail("a scenario needs a 'name' (a string)")
        return None
    r.where = f"scenario '{name}'"
    r.allow(SCENARIO_KEYS | STEP_KEYS)
    match = _match(r.sub("match"), source) if "match" in r.node else Match(explicit=True)
    steps: list[Step] = []
    if "sequence" in r.node:
        shared_stream = _stream(r.sub("stream")) if "stream" in r.node else None
        shared_probability = _probability(r)
        if STEP_KEYS & set(r.node) - {"stream", "probability"}:
            r.fail(f"scenario '{name}' has both 'sequence' and a single answer "
                   f"({', '.join(sorted(STEP_KEYS & set(r.node) - {'stream', 'probability'}))})", "sequence")
        items = r.get("sequence", list, [])
        if not items and "sequence" in r.node:
            r.fail("sequence must be a non-empty list", "sequence")
        for position, item in enumerate(items):
            step = _step(_Reader(item, source, f"scenario '{name}' sequence[{position}]", errors, r.line_of("sequence")))
            if step.stream is None:
                step.stream = shared_stream
            if step.probability is None:
                step.probability = shared_probability
            steps.append(step)
    else:
        steps.append(_step(r, allowed=False))
    mode = r.get("mode", str, "stick")
    if mode not in MODES:
        r.fail(f"mode must be one of {', '.join(MODES)}, not '{mode}'", "mode")
    key = r.get("key", str, "header:x-test-id")
    _check_key(r, key, "key")
    rate = _rate_limit(r.sub("rate_limit")) if "rate_limit" in r.node else None
    priority = r.get("priority", int, 0)
    seed = r.get("seed", int)
    after_tools = _step(r.sub("on_tool_result")) if "on_tool_result" in r.node else None
    return Scenario(name=name, match=match, steps=steps, description=r.get("description", str, ""),
                    priority=priority, mode=mode, key=key.lower(), rate_limit=rate, seed=seed, on_tool_result=after_tools, source=source,
                    line=r.line, document=as_plain(node))


def _check_key(r: _Reader, key: str, field_name: str) -> None:
    kind, _, arg = key.partition(":")
    if kind not in ("header", "body", "api_key", "global") or (kind in ("header", "body") and not arg):
        r.fail(f"{field_name} must be 'header:<name>', 'body:<path>', 'api_key' or 'global', not '{key}'", field_name)


def _condition(r: _Reader, key: str, value: Any, default_kind: str) -> Condition | None:
    if isinstance(value, dict):
        kinds = [k for k in value if k in CONDITION_KINDS]
        unknown = [k for k in value if k not in CONDITION_KINDS]
        if len(kinds) != 1 or unknown:
            r.fail(f"{r.where}.{key} must have exactly one of {', '.join(CONDITION_KINDS)}", key)
            return None
        kind, arg = kinds[0], value[kinds[0]]
    else:
        kind, arg = default_kind, value
        if kind == "glob" and not isinstance(value, str):
            kind = "equals"
    pattern = None
    if kind == "regex":
        try:
            pattern = re.compile(str(arg))
        except re.error as exc:
            r.fail(f"{r.where}.{key}: invalid regex {arg!r}: {exc}", key)
            return None
    return Condition(kind, arg, pattern)


def _match(r: _Reader, source: str) -> Match:
    r.allow(MATCH_KEYS)
    m = Match()
    ops = r.get("operation", (str, list), [])
    m.operations = [ops] if isinstance(ops, str) else [str(o) for o in ops]
    m.stream = r.get("stream", bool)
    m.tools = r.get("tools", bool)
    m.tool_result = r.get("tool_result", bool)
    m.tool = r.get("tool", str)
    m.fingerprint = r.get("fingerprint", str)
    if m.fingerprint is not None and not FINGERPRINT.match(m.fingerprint):
        r.fail(f"{r.where}.fingerprint must be 8-64 lower-case hex digits (a request digest), "
               f"not {m.fingerprint!r}", "fingerprint")
    for name, default in (("model", "glob"), ("message", "contains"), ("system", "contains")):
        if r.node.get(name) is not None:
            setattr(m, name, _condition(r, name, r.node[name], default))
    for group in ("headers", "body"):
        table = r.get(group, dict, {})
        for key, value in table.items():
            cond = _condition(r, group, value, "glob")
            if cond is not None:
                getattr(m, group)[key.lower() if group == "headers" else key] = cond
    return m


def _step(r: _Reader, allowed: bool = True) -> Step:
    if allowed:
        r.allow(STEP_KEYS)
    step = Step(line=r.line)
    step.passthrough = bool(r.get("pass", bool, False))
    step.probability = _probability(r)
    if "reply" in r.node:
        step.reply = _reply(r.sub("reply"))
    if "fault" in r.node:
        step.fault = _fault(r.sub("fault"))
    if "raw" in r.node:
        step.raw = _raw(r.sub("raw"))
    if "stream" in r.node:
        step.stream = _stream(r.sub("stream"))
    if "task" in r.node:
        step.task = _task(r.sub("task"))
    if step.reply and step.raw:
        r.fail("a step gives either 'reply' or 'raw', not both")
    return step


def _probability(r: _Reader) -> float | None:
    probability = r.get("probability", float)
    if probability is not None and not 0 <= probability <= 1:
        r.fail("probability must be between 0 and 1", "probability")
        return None
    return probability


def _task(r: _Reader) -> dict | None:
    r.allow(set(TASK_KEYS))
    if not isinstance(r.node, dict) or not r.node:
        return None
    r.number("duration_ms")
    r.number("polls", minimum=1, integer=True)
    fail_at = r.number("fail_at")
    if fail_at is not None and fail_at > 100:
        r.fail(f"{r.where}.fail_at is a percentage (0-100) or a fraction (0-1), not {fail_at:g}", "fail_at")
    r.get("fail_reason", str)
    r.get("fail_code", (str, int))
    return as_plain(r.node)


def _reply(r: _Reader) -> ReplySpec:
    r.allow({"text", "text_chunks", "tool_calls", "refusal", "reasoning", "finish", "usage", "model"})
    for key in ("text", "text_chunks", "refusal", "reasoning", "model"):
        r.templated(key)
    spec = ReplySpec(text=r.get("text", str), refusal=r.get("refusal", str), reasoning=r.get("reasoning", str),
                     finish=r.get("finish", str), model=r.get("model", str))
    chunks = r.get("text_chunks", list)
    if chunks is not None:
        spec.text_chunks = [str(c) for c in chunks]
        spec.text = spec.text if spec.text is not None else "".join(spec.text_chunks)
    if spec.finish is not None and spec.finish not in FINISHES:
        r.fail(f"finish must be one of {', '.join(FINISHES)}, not '{spec.finish}'", "finish")
    for position, item in enumerate(r.get("tool_calls", list, [])):
        call = _Reader(item, r.source, f"{r.where}.tool_calls[{position}]", r.errors, r.line_of("tool_calls"))
        call.allow({"name", "arguments", "arguments_raw", "arguments_chunks", "id"})
        name = call.get("name", str)
        if not name:
            call.fail("a tool call needs a 'name'")
            continue
        raw_chunks = call.get("arguments_chunks", list)
        for key in ("arguments", "arguments_raw", "arguments_chunks"):
            call.templated(key)
        spec.tool_calls.append(ToolCallSpec(
            name=name, arguments=as_plain(call.node.get("arguments")), raw_arguments=call.get("arguments_raw", str),
            argument_chunks=[str(c) for c in raw_chunks] if raw_chunks is not None else None, id=call.get("id", str)))
    usage = r.get("usage", dict, {})
    for key, value in usage.items():
        if key not in ("prompt_tokens", "completion_tokens", "reasoning_tokens", "cached_tokens") or \
                not isinstance(value, int):
            r.fail(f"usage.{key}: expected prompt_tokens, completion_tokens, reasoning_tokens or cached_tokens "
                   "with an integer", "usage")
    spec.usage = dict(usage)
    return spec


def _fault(r: _Reader) -> Fault:
    r.allow({"status", "message", "code", "type", "headers", "retry_after", "retry_after_ms", "should_retry",
             "reset", "stall_ms", "invalid_json"})
    fault = Fault(status=r.get("status", int), message=r.get("message", str), code=r.get("code", str),
                  type=r.get("type", str), retry_after=r.number("retry_after"),
                  retry_after_ms=r.number("retry_after_ms"), should_retry=r.get("should_retry", bool),
                  reset=r.get("reset", bool, False), stall_ms=r.number("stall_ms", default=0.0),
                  invalid_json=r.get("invalid_json", bool, False))
    fault.headers = {str(k): str(v) for k, v in r.get("headers", dict, {}).items()}
    if fault.status is not None and not 100 <= fault.status <= 599:
        r.fail(f"status must be an HTTP status (100-599), not {fault.status}", "status")
    elif fault.status is not None and fault.status < 400 and not fault.invalid_json:
        r.fail(f"{r.where}.status must be an error status (400-599), not {fault.status}: for another answer "
               "use 'raw' or 'reply'", "status")
    return fault


def _stream(r: _Reader) -> StreamSpec:
    r.allow({"ttft_ms", "tokens_per_second", "jitter_ms", "chunk_size", "keepalive_ms", "stop_after", "stop",
             "malformed_at", "error_at", "error"})
    spec = StreamSpec(ttft_ms=r.number("ttft_ms", default=0.0),
                      tokens_per_second=r.number("tokens_per_second", above=True),
                      jitter_ms=r.number("jitter_ms", default=0.0),
                      chunk_size=r.number("chunk_size", minimum=1, integer=True),
                      keepalive_ms=r.number("keepalive_ms", above=True),
                      stop_after=r.number("stop_after", integer=True), stop=r.get("stop", str, "clean"),
                      malformed_at=r.number("malformed_at", integer=True), error_at=r.number("error_at", integer=True))
    if spec.stop not in ("clean", "reset"):
        r.fail(f"stop must be 'clean' or 'reset', not '{spec.stop}'", "stop")
    if "error" in r.node:
        spec.error = _fault(r.sub("error"))
        if spec.error_at is None:
            spec.error_at = 0
    elif spec.error_at is not None:
        spec.error = Fault(status=500)
    return spec


def _raw(r: _Reader) -> RawSpec:
    r.allow({"status", "headers", "body", "events", "body_file"})
    spec = RawSpec(status=r.get("status", int, 200), body=as_plain(r.node.get("body")))
    if not 100 <= spec.status <= 599:
        r.fail(f"{r.where}.status must be an HTTP status (100-599), not {spec.status}", "status")
    r.templated("body")
    r.templated("events")
    spec.headers = {str(k): str(v) for k, v in r.get("headers", dict, {}).items()}
    events = r.get("events", list)
    if events is not None:
        spec.events = [_event(r, position, item) for position, item in enumerate(as_plain(events))]
    body_file = r.get("body_file", str)
    if body_file is not None:
        spec.body_file = _body_file(r, body_file)
    given = [key for key in ("body", "events", "body_file") if r.node.get(key) is not None]
    if len(given) > 1:
        r.fail(f"raw gives one of 'body', 'events' or 'body_file', not {' and '.join(given)}")
    return spec


def _event(r: _Reader, position: int, event: Any) -> Any:
    """One SSE event: frame text, or `{event, data, delay_ms}`, or `{frame, delay_ms}`."""
    where = f"{r.where}.events[{position}]"
    if isinstance(event, str):
        return event
    if not isinstance(event, dict):
        r.fail(f"{where} must be frame text or a mapping, not {type(event).__name__}", "events")
        return event
    unknown = sorted(set(event) - EVENT_KEYS)
    if unknown:
        r.fail(f"unknown key '{unknown[0]}' in {where} (expected one of: {', '.join(sorted(EVENT_KEYS))})", "events")
    if "frame" in event and ("event" in event or "data" in event):
        r.fail(f"{where} gives either 'frame' (the exact text) or 'event'/'data', not both", "events")
    if "frame" in event and not isinstance(event["frame"], str):
        r.fail(f"{where}.frame must be a string", "events")
    delay = event.get("delay_ms", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        r.fail(f"{where}.delay_ms must be a number of milliseconds, at least 0, not {delay!r}", "events")
    return event


def _body_file(r: _Reader, name: str) -> Path | None:
    """The file a raw answer sends, relative to the scenario file (or the working directory for uploads)."""
    source = Path(r.source)
    base = source.parent if source.is_file() else Path.cwd()
    path = (base / name).resolve()
    if not path.is_file():
        r.fail(f"{r.where}.body_file: no such file {name!r} (looked in {base})", "body_file")
        return None
    return path


def _rate_limit(r: _Reader) -> RateLimit:
    r.allow({"requests_per_minute", "tokens_per_minute", "key"})
    rate = RateLimit(requests_per_minute=r.number("requests_per_minute", minimum=1, integer=True),
                     tokens_per_minute=r.number("tokens_per_minute", minimum=1, integer=True),
                     key=r.get("key", str, "api_key"))
    _check_key(r, rate.key, "key")
    rate.key = rate.key.lower() if rate.key.startswith("header:") else rate.key
    if r.node.get("requests_per_minute") is None and r.node.get("tokens_per_minute") is None:
        r.fail("rate_limit needs requests_per_minute or tokens_per_minute")
    return rate


def as_plain(value: Any) -> Any:
    """Line-carrying mappings back to plain dicts and lists."""
    if isinstance(value, dict):
        return {k: as_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_plain(v) for v in value]
    return value
