"""The Responses API event stream of a finished Response object, in the order the real API sends it."""

from __future__ import annotations

import hashlib
from binascii import hexlify
from typing import Any

import orjson

from ..core import tokens
from ..core.answers import sse_frame

TERMINAL = {"completed": "response.completed", "incomplete": "response.incomplete", "failed": "response.failed",
            "cancelled": "response.failed"}
# A call item's streamed field and its events' prefix.
CALL_EVENTS = {"function_call": ("arguments", "response.function_call_arguments"),
               "custom_tool_call": ("input", "response.custom_tool_call_input")}


class _Events:
    """Frames with `event:` lines and a `sequence_number` counting from 0."""

    def __init__(self, obfuscate: bool) -> None:
        self.frames: list[bytes] = []
        self.obfuscate = obfuscate

    def add(self, kind: str, **fields: Any) -> None:
        data = {"type": kind, "sequence_number": len(self.frames), **fields}
        if self.obfuscate and "delta" in fields:
            data["obfuscation"] = _padding(f"{kind}:{len(self.frames)}:{fields['delta']}", len(fields["delta"]))
        self.frames.append(sse_frame(data, event=kind))

    def text_deltas(self, kind: str, at: dict, pieces: list[str]) -> None:
        """`kind` events of text pieces without logprobs, as `add` writes them: a template per stream, filled with
        each frame's number, piece and padding."""
        template = (b"event: " + kind.encode() + b'\ndata: {"type":' + orjson.dumps(kind) + b',"sequence_number":'
                    ).replace(b"%", b"%%") + b"%d," + orjson.dumps(at)[1:-1].replace(b"%", b"%%") + b',"delta":%b'
        frames, dumps = self.frames, orjson.dumps
        if not self.obfuscate:
            template += b',"logprobs":[]}\n\n'
            frames += [template % (number, dumps(piece)) for number, piece in enumerate(pieces, len(frames))]
            return
        template += b',"logprobs":[],"obfuscation":"%b"}\n\n'
        hashed = hashlib.blake2b(kind.encode() + b":", digest_size=16)  # what `_padding` hashes first
        for number, piece in enumerate(pieces, len(frames)):
            padding = hashed.copy()
            padding.update(f"{number}:{piece}".encode())
            frames.append(template % (number, dumps(piece), hexlify(padding.digest())[:16 - len(piece) % 16]))


def response_events(response: dict, chunks: dict[str, list[str]], *, obfuscate: bool = True) -> list[bytes]:
    """created (and queued, for background), in_progress, each item's added/delta/done events, then the terminal event."""
    events = _Events(obfuscate)
    start = {**response, "status": "in_progress", "completed_at": None, "output": [], "usage": None,
             "incomplete_details": None, "error": None}
    if response.get("background"):
        queued = {**start, "status": "queued"}
        events.add("response.created", response=queued)
        events.add("response.queued", response=queued)
    else:
        events.add("response.created", response=start)
    events.add("response.in_progress", response=start)
    for index, item in enumerate(response["output"]):
        pieces = chunks.get(item.get("id", ""))
        if item["type"] == "message":
            _message(events, index, item, pieces)
        elif item["type"] in CALL_EVENTS:
            _tool_call(events, index, item, pieces)
        elif item["type"] == "reasoning":
            _reasoning(events, index, item)
        else:
            events.add("response.output_item.added", output_index=index, item=item)
            events.add("response.output_item.done", output_index=index, item=item)
    events.add(TERMINAL.get(response["status"], "response.completed"), response=response)
    return events.frames


def _message(events: _Events, index: int, item: dict, pieces: list[str] | None) -> None:
    item_id = item["id"]
    events.add("response.output_item.added", output_index=index,
               item={**item, "status": "in_progress", "content": []})
    where = {"item_id": item_id, "output_index": index}
    for position, part in enumerate(item["content"]):
        at = {**where, "content_index": position}
        if part["type"] == "refusal":
            events.add("response.content_part.added", **at, part={"type": "refusal", "refusal": ""})
            for delta in tokens.split(part["refusal"]):
                events.add("response.refusal.delta", **at, delta=delta)
            events.add("response.refusal.done", **at, refusal=part["refusal"])
        else:
            text, logprobs = part["text"], part.get("logprobs") or []
            events.add("response.content_part.added", **at, part={**part, "text": "", "logprobs": []})
            deltas = pieces if pieces is not None and position == 0 else tokens.split(text)
            if not logprobs:  # the common case: nothing per token
                events.text_deltas("response.output_text.delta", at, deltas)
            else:
                used = 0
                for delta in deltas:
                    count = len(tokens.split(delta))
                    events.add("response.output_text.delta", **at, delta=delta, logprobs=logprobs[used:used + count])
                    used += count
            events.add("response.output_text.done", **at, text=text, logprobs=logprobs)
        events.add("response.content_part.done", **at, part=part)
    events.add("response.output_item.done", output_index=index, item=item)


def _tool_call(events: _Events, index: int, item: dict, pieces: list[str] | None) -> None:
    """A function call's `arguments`, or a custom tool call's `input`, streamed in pieces."""
    field, prefix = CALL_EVENTS[item["type"]]
    events.add("response.output_item.added", output_index=index, item={**item, "status": "in_progress", field: ""})
    where = {"item_id": item["id"], "output_index": index}
    for delta in pieces if pieces is not None else tokens.fragments(item[field], 12):
        events.add(f"{prefix}.delta", **where, delta=delta)
    named = {"name": item["name"]} if item["type"] == "function_call" else {}
    events.add(f"{prefix}.done", **where, **named, **{field: item[field]})
    events.add("response.output_item.done", output_index=index, item=item)


def _reasoning(events: _Events, index: int, item: dict) -> None:
    events.add("response.output_item.added", output_index=index, item={**item, "summary": []})
    where = {"item_id": item["id"], "output_index": index}
    for position, part in enumerate(item["summary"]):
        at = {**where, "summary_index": position}
        events.add("response.reasoning_summary_part.added", **at, part={"type": "summary_text", "text": ""})
        for delta in tokens.split(part["text"]):
            events.add("response.reasoning_summary_text.delta", **at, delta=delta)
        events.add("response.reasoning_summary_text.done", **at, text=part["text"])
        events.add("response.reasoning_summary_part.done", **at, part=part)
    events.add("response.output_item.done", output_index=index, item=item)


def _padding(seed: str, used: int) -> str:
    """Deterministic filler like the real `obfuscation` field (evens out delta sizes)."""
    length = max(1, 16 - used % 16)
    return hashlib.blake2b(seed.encode(), digest_size=16).hexdigest()[:length]
