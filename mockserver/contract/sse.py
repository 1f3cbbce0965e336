"""An incremental Server-Sent Events parser that keeps the framing a grammar check needs.

httpx-sse and Schemathesis both parse SSE, but hide what a contract must see: whether an `event:` line
was sent at all (they default the name to "message"), comment lines, `data:` without its space. Gemini's
SDK breaks on each of those, so the parser here reports them (WHATWG event-stream interpretation otherwise).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SseEvent:
    """One dispatched event, or one comment line (`comment` set, no data)."""

    data: str | None = None
    event: str | None = None         # None: no `event:` line was sent
    id: str | None = None
    retry: int | None = None
    comment: str | None = None       # the text after `:` of a comment line
    fields: tuple[str, ...] = ()     # the field names in the order sent (`event`, `data`, `id`, `retry`, others)
    bare_data: bool = False          # a `data:` line without the space after the colon

    @property
    def is_comment(self) -> bool:
        """Whether this is a comment line rather than an event."""
        return self.comment is not None


@dataclass
class SseParser:
    """Feed bytes as they arrive; get the events (and comment lines) completed so far."""

    _text: str = ""
    _pending_cr: bool = False
    _decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))
    _data: list[str] = field(default_factory=list)
    _event: str | None = None
    _id: str | None = None
    _retry: int | None = None
    _fields: list[str] = field(default_factory=list)
    _bare: bool = False

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """The events completed by `chunk` (bytes may split anywhere, even inside a UTF-8 character)."""
        text = self._decoder.decode(chunk)
        if self._pending_cr:
            text = "\r" + text
            self._pending_cr = False
        if text.endswith("\r"):  # may be half of a CRLF: decide when the next byte comes
            self._pending_cr = True
            text = text[:-1]
        self._text += text
        return self._drain()

    def close(self) -> list[SseEvent]:
        """The end of the body: a pending CR ends its line; an event without its blank line is not dispatched."""
        self._text += ("\n" if self._pending_cr else "") + self._decoder.decode(b"", final=True)
        self._pending_cr = False
        return self._drain()

    def _drain(self) -> list[SseEvent]:
        events: list[SseEvent] = []
        while True:
            line, ending = _next_line(self._text)
            if ending is None:
                return events
            self._text = self._text[len(line) + len(ending):]
            item = self._line(line)
            if item is not None:
                events.append(item)

    @property
    def unfinished(self) -> bool:
        """Whether fields were read for an event that no blank line dispatched."""
        return bool(self._fields) or bool(self._text)

    def _line(self, line: str) -> SseEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return SseEvent(comment=line[1:].lstrip(" "))
        name, colon, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        elif colon and name == "data":
            self._bare = True
        self._fields.append(name)
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> SseEvent | None:
        if not self._fields:
            return None
        event = SseEvent(data="\n".join(self._data) if self._data else None, event=self._event, id=self._id,
                         retry=self._retry, fields=tuple(self._fields), bare_data=self._bare)
        self._data, self._event, self._retry, self._fields, self._bare = [], None, None, [], False
        return event


def parse_sse(body: bytes) -> list[SseEvent]:
    """Every event and comment of a whole body."""
    parser = SseParser()
    return parser.feed(body) + parser.close()


def _next_line(text: str) -> tuple[str, str | None]:
    """The first line of `text` and its ending (`\\r\\n`, `\\r` or `\\n`), or no ending yet."""
    for index, char in enumerate(text):
        if char == "\n":
            return text[:index], "\n"
        if char == "\r":
            if index + 1 < len(text) and text[index + 1] == "\n":
                return text[:index], "\r\n"
            return text[:index], "\r"
    return text, None
