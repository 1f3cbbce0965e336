"""Order rules across the events of a stream, one grammar per wire format (the spec's `x-stream-grammar`).

Each rule is one the official SDKs or their stream helpers depend on (wire-formats.md): the terminator
they stop at, the order their accumulators assume, the framing their parsers accept.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .explain import Mismatch, short
from .sse import SseEvent

END = "end of stream"


class Grammar:
    """The rules common to every stream: nothing after the terminal event."""

    name: ClassVar[str] = ""
    data_only: ClassVar[bool] = False  # the SDK's parser breaks on `event:` lines

    def __init__(self) -> None:
        self.count = 0
        self.terminal: str | None = None
        self.last: str = "no event"
        self._reported_after_end = False

    def comment(self, item: SseEvent) -> list[Mismatch]:
        """A comment line (`: keep-alive`): harmless unless the grammar says otherwise."""
        return []

    def event(self, item: SseEvent, data: Any) -> list[Mismatch]:
        """Check one event against what came before it."""
        issues: list[Mismatch] = []
        kind = kind_of(item, data)
        if self.terminal is not None and not self._reported_after_end:
            self._reported_after_end = True
            issues.append(Mismatch("event", f"nothing after {self.terminal}", kind))
        if self.data_only and item.event is not None:
            issues.append(Mismatch("event", "no `event:` line (a data-only stream)", f"event: {item.event}"))
        self.count += 1
        issues += self.rules(item, data, kind)
        self.last = kind
        return issues

    def rules(self, item: SseEvent, data: Any, kind: str) -> list[Mismatch]:
        """The grammar's own rules for one event."""
        return []

    def finish(self) -> list[Mismatch]:
        """What the end of the body must satisfy."""
        if self.terminal is None:
            return [Mismatch(END, self.expected_end, f"the body ended after {self._after()}")]
        return []

    expected_end: ClassVar[str] = "a terminal event"

    def _after(self) -> str:
        return f"{self.count} event(s), the last {self.last}" if self.count else "no event"


def kind_of(item: SseEvent, data: Any) -> str:
    """How an event is named in a report: its `event:` name, its data's `type`, or `[DONE]`/`data`."""
    if item.event is not None:
        return item.event
    if isinstance(data, dict) and isinstance(data.get("type"), str):
        return data["type"]
    if isinstance(data, dict) and "error" in data:
        return "error"
    if item.data == "[DONE]":
        return "[DONE]"
    return "data"


class ChatCompletions(Grammar):
    """Chunks with one id, each choice's role in its first delta only, ended by `data: [DONE]`."""

    name = "chat-completions"
    data_only = True
    expected_end = "data: [DONE] as the last event"
    roles = True

    def __init__(self) -> None:
        super().__init__()
        self.first_id: str | None = None
        self.seen_choices: list[int] = []

    def rules(self, item: SseEvent, data: Any, kind: str) -> list[Mismatch]:
        if item.data == "[DONE]":
            self.terminal = "data: [DONE]"
            return []
        if not isinstance(data, dict):
            return []
        if "error" in data:
            self.terminal = "the error event"
            return []
        issues: list[Mismatch] = []
        chunk_id = data.get("id")
        if self.first_id is None:
            self.first_id = chunk_id
        elif chunk_id != self.first_id:
            issues.append(Mismatch("data.id", f"{short(self.first_id)} (the first chunk's id)", short(chunk_id)))
        for position, choice in enumerate(data.get("choices") or []):
            if isinstance(choice, dict) and isinstance(choice.get("index"), int):
                issues += self._choice(position, choice)
        return issues

    def _choice(self, position: int, choice: dict) -> list[Mismatch]:
        index = choice["index"]
        issues: list[Mismatch] = []
        first = index not in self.seen_choices
        if first and self.seen_choices and index < max(self.seen_choices):
            issues.append(Mismatch(f"data.choices[{position}].index",
                                   f"a choice first seen after {max(self.seen_choices)} to be greater",
                                   str(index)))
        delta = choice.get("delta")
        if self.roles and not first and isinstance(delta, dict) and "role" in delta:
            issues.append(Mismatch(f"data.choices[{position}].delta.role",
                                   "no role after the choice's first delta (stream helpers concatenate it)",
                                   short(delta["role"])))
        if first:
            self.seen_choices.append(index)
        return issues


class Completions(ChatCompletions):
    """Legacy Completions: text chunks with one id, ended by `data: [DONE]`."""

    name = "completions"
    roles = False


class Responses(Grammar):
    """`response.created` first, strictly increasing `sequence_number`s, one response id, a terminal event last."""

    name = "responses"
    TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")
    expected_end = "response.completed, response.failed or response.incomplete as the last event"

    def __init__(self) -> None:
        super().__init__()
        self.sequence: int | None = None
        self.response_id: str | None = None

    def rules(self, item: SseEvent, data: Any, kind: str) -> list[Mismatch]:
        if not isinstance(data, dict):
            return []
        issues: list[Mismatch] = []
        kind_in_data = data.get("type")
        if item.event is not None and kind_in_data is not None and item.event != kind_in_data:
            issues.append(Mismatch("event", f"{short(kind_in_data)} (the data's type)", short(item.event)))
        if self.count == 1 and kind_in_data != "response.created":
            issues.append(Mismatch("event", "response.created as the first event", short(kind_in_data)))
        number = data.get("sequence_number")
        if isinstance(number, int) and not isinstance(number, bool):
            if self.sequence is not None and number <= self.sequence:
                issues.append(Mismatch("data.sequence_number", f"a number greater than {self.sequence} (the "
                                                               "previous event's)", str(number)))
            self.sequence = number
        response = data.get("response")
        if isinstance(response, dict) and "id" in response:
            if self.response_id is None:
                self.response_id = response["id"]
            elif response["id"] != self.response_id:
                issues.append(Mismatch("data.response.id", f"{short(self.response_id)} (the id response.created "
                                                           "announced)", short(response["id"])))
        if kind_in_data in self.TERMINAL:
            self.terminal = kind_in_data
        return issues


class AnthropicMessages(Grammar):
    """message_start; per block content_block_start -> deltas -> content_block_stop; message_delta; message_stop."""

    name = "anthropic-messages"
    expected_end = "message_stop as the last event"

    def __init__(self) -> None:
        super().__init__()
        self.started = False
        self.blocks = 0
        self.open: int | None = None
        self.delta_seen = False

    def rules(self, item: SseEvent, data: Any, kind: str) -> list[Mismatch]:
        kind_in_data = data.get("type") if isinstance(data, dict) else None
        issues: list[Mismatch] = []
        if item.event is None:
            issues.append(Mismatch("event", f"an `event:` line ({short(kind_in_data)}): the SDK drops events "
                                            "without one", "none"))
        elif kind_in_data is not None and item.event != kind_in_data:
            issues.append(Mismatch("event", f"{short(kind_in_data)} (the data's type)", short(item.event)))
        if kind_in_data in ("ping", None):
            return issues
        if kind_in_data == "error":
            self.terminal = "the error event"
            return issues
        index = data.get("index")
        if not self.started and kind_in_data != "message_start":
            issues.append(Mismatch("event", "message_start as the first event", kind_in_data))
        self.started = True
        if kind_in_data == "message_start":
            if self.count > 1:
                issues.append(Mismatch("event", "a single message_start, first", "message_start again"))
        elif kind_in_data == "content_block_start":
            issues += self._block_start(index)
        elif kind_in_data in ("content_block_delta", "content_block_stop"):
            if self.open is None:
                issues.append(Mismatch("event", "content_block_start before a block's deltas and stop", kind_in_data))
            elif index != self.open:
                issues.append(Mismatch("data.index", f"{self.open} (the open block)", short(index)))
            if kind_in_data == "content_block_stop":
                self.open = None
        elif kind_in_data == "message_delta":
            if self.open is not None:
                issues.append(Mismatch("event", f"content_block_stop for block {self.open} first", "message_delta"))
            self.delta_seen = True
        elif kind_in_data == "message_stop":
            if self.open is not None or not self.delta_seen:
                wanted = f"content_block_stop for block {self.open}" if self.open is not None else "message_delta"
                issues.append(Mismatch("event", f"{wanted} before message_stop", "message_stop"))
            self.terminal = "message_stop"
        return issues

    def _block_start(self, index: Any) -> list[Mismatch]:
        issues: list[Mismatch] = []
        if self.open is not None:
            issues.append(Mismatch("event", f"content_block_stop for block {self.open} before the next block",
                                   "content_block_start"))
        if self.delta_seen:
            issues.append(Mismatch("event", "no block after message_delta", "content_block_start"))
        if index != self.blocks:
            issues.append(Mismatch("data.index", f"{self.blocks} (blocks count from 0 in start order)", short(index)))
        self.blocks += 1
        self.open = index if isinstance(index, int) else self.blocks - 1
        return issues


class Gemini(Grammar):
    """Only `data: <GenerateContentResponse>` frames: no comments, no other fields, no `[DONE]`."""

    name = "gemini"
    data_only = True
    expected_end = "at least one chunk"

    def __init__(self) -> None:
        super().__init__()
        self.finished_chunk: bool | None = None

    def comment(self, item: SseEvent) -> list[Mismatch]:
        return [Mismatch("comment", "no comment lines (the SDK parses every line as JSON)", f": {item.comment}")]

    def rules(self, item: SseEvent, data: Any, kind: str) -> list[Mismatch]:
        issues: list[Mismatch] = []
        others = sorted({f for f in item.fields if f not in ("data", "event")})
        if others:
            issues.append(Mismatch("event", "only `data:` lines", ", ".join(f"{f}:" for f in others)))
        if item.bare_data:
            issues.append(Mismatch("data", "`data: ` with a space (the SDK matches it exactly)", "`data:` without"))
        if item.data == "[DONE]":
            issues.append(Mismatch("data", "a GenerateContentResponse (the SDK cannot parse [DONE])", "[DONE]"))
        if isinstance(data, dict) and "error" in data:
            self.terminal = "the error chunk"
        elif isinstance(data, dict) and data.get("candidates"):
            self.finished_chunk = any(isinstance(c, dict) and c.get("finishReason") for c in data["candidates"])
        return issues

    def finish(self) -> list[Mismatch]:
        if self.count == 0:
            return [Mismatch(END, "at least one chunk", "an empty stream")]
        if self.terminal is None and self.finished_chunk is False:
            return [Mismatch(END, "finishReason on the last chunk", "a last chunk without one")]
        return []


class TypedEvents(Grammar):
    """OpenAI's audio streams: `event:` (when sent) equals the data's `type`; a `*.done` event ends them."""

    name = "typed-events"
    expected_end = "a final *.done event"

    def rules(self, item: SseEvent, data: Any, kind: str) -> list[Mismatch]:
        if not isinstance(data, dict):
            return []
        kind_in_data = data.get("type")
        issues: list[Mismatch] = []
        if item.event is not None and kind_in_data is not None and item.event != kind_in_data:
            issues.append(Mismatch("event", f"{short(kind_in_data)} (the data's type)", short(item.event)))
        if isinstance(kind_in_data, str) and kind_in_data.endswith(".done"):
            self.terminal = kind_in_data
        elif "error" in data:
            self.terminal = "the error event"
        return issues


GRAMMARS: dict[str, type[Grammar]] = {g.name: g for g in (ChatCompletions, Completions, Responses,
                                                           AnthropicMessages, Gemini, TypedEvents)}
