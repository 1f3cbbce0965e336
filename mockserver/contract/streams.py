"""Check an event stream as it arrives: each event against its schema, and the stream's grammar across events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from .events import NOT_JSON, EventSchema
from .explain import Mismatch
from .grammars import END, GRAMMARS, Grammar, kind_of
from .sse import SseEvent, SseParser
from .violation import Violation

if TYPE_CHECKING:
    from ..spec import Operation, Spec

EVENT_CHECK = "stream_event_conformance"
GRAMMAR_CHECK = "stream_grammar_conformance"
SSE = "text/event-stream"


@dataclass(frozen=True)
class StreamSpec:
    """What the spec says about one operation's event stream: each event's schema and the grammar's name."""

    events: EventSchema | None
    grammar: type[Grammar] | None

    @classmethod
    def from_media(cls, spec: "Spec", media: dict) -> "StreamSpec":
        """Read `x-itemSchema` and `x-stream-grammar` from a `text/event-stream` media type object."""
        item = media.get("x-itemSchema")
        name = media.get("x-stream-grammar")
        if name is not None and name not in GRAMMARS:
            raise ValueError(f"unknown x-stream-grammar {name!r}; known: {', '.join(sorted(GRAMMARS))}")
        return cls(EventSchema(spec, item) if item is not None else None, GRAMMARS[name] if name else None)


class StreamChecker:
    """Feed a stream's bytes (or parsed events) as they arrive; each call returns the violations found so far."""

    def __init__(self, spec: "Spec", operation: "Operation | str", status: int | None = None) -> None:
        from .validate import contract_for

        contract = contract_for(spec)
        op = contract.operation(operation)
        stream = contract.stream_spec(op, op.success_status if status is None else status)
        if stream is None:
            raise LookupError(f"{op.operation_id} documents no text/event-stream answer for status {status}")
        self.operation = op
        self.stream = stream
        self.grammar = stream.grammar() if stream.grammar else None
        self.parser = SseParser()
        self.count = 0
        self.finished = False

    def feed_bytes(self, chunk: bytes) -> list[Violation]:
        """Parse `chunk` (split anywhere) and check the events it completes."""
        found: list[Violation] = []
        for item in self.parser.feed(chunk):
            found += self.feed(item)
        return found

    def feed(self, item: SseEvent) -> list[Violation]:
        """Check one parsed event (or comment line)."""
        if item.is_comment:
            issues = self.grammar.comment(item) if self.grammar else []
            return [_violation(GRAMMAR_CHECK, issue, f"comment before event {self.count + 1}") for issue in issues]
        self.count += 1
        data = _json(item.data)
        label = f"event {self.count} ({kind_of(item, data)})"
        found: list[Violation] = []
        if self.stream.events is not None:
            _, mismatches = self.stream.events.check(item.event, item.data, data)
            found += [_violation(EVENT_CHECK, m, label) for m in mismatches]
        if self.grammar is not None:
            found += [_violation(GRAMMAR_CHECK, m, label) for m in self.grammar.event(item, data)]
        return found

    def finish(self) -> list[Violation]:
        """The body ended: check what is left in the buffer and what the grammar needs at the end."""
        if self.finished:
            return []
        self.finished = True
        found: list[Violation] = []
        for item in self.parser.close():
            found += self.feed(item)
        if self.parser.unfinished:
            found.append(Violation(GRAMMAR_CHECK, "", "a blank line after the last event", "an unterminated event",
                                   "end of stream"))
        if self.grammar is not None:
            found += [_violation(GRAMMAR_CHECK, m, "end of stream") for m in self.grammar.finish()]
        return found


def check_stream(spec: "Spec", operation: "Operation | str", body: bytes, status: int | None = None) -> list[Violation]:
    """Every violation of a whole stream body."""
    checker = StreamChecker(spec, operation, status)
    return checker.feed_bytes(body) + checker.finish()


def _json(text: str | None) -> Any:
    if text is None:
        return NOT_JSON
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return NOT_JSON


def _violation(check: str, issue: Mismatch, label: str) -> Violation:
    return Violation(check, "" if issue.field == END else issue.field, issue.expected, issue.got, label)
