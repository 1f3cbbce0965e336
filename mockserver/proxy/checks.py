"""The spec's checks on each upstream answer as it passes: status and content type, then the JSON body or error
envelope, or each event and the stream's grammar. The checks are `mockserver contract`'s; this module feeds them
and words the `x-mock-violations` summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..contract import StreamChecker, Violation, contract_for
from ..contract.validate import media_type

if TYPE_CHECKING:
    from ..core.context import RequestContext
    from .tap import Frame

HEADER_LIMIT = 512
SSE = "text/event-stream"


class AnswerChecks:
    """The checks for one answer: its head at once, then its body whole or its events one by one."""

    def __init__(self, ctx: "RequestContext", status: int, headers: Mapping[str, str]) -> None:
        self.status, self.headers = status, headers
        self.operation = ctx.operation
        self.bodiless = ctx.method == "HEAD" or status in (204, 304)  # nothing to check beyond the head
        self.found: list[Violation] = []
        self.stream: StreamChecker | None = None
        if self.operation is None:  # a path the spec lacks: nothing is documented to check against
            self.contract = None
            return
        self.contract = contract_for(ctx.services.spec)
        self.found += self.contract.check_head(self.operation, status, headers)
        if not self.found and not self.bodiless and media_type(headers) == SSE:
            try:
                self.stream = StreamChecker(ctx.services.spec, self.operation, status)
            except LookupError:  # a stream where the spec documents none: the head check said so already
                self.stream = None

    @property
    def checked(self) -> bool:
        """Whether the spec documents this answer's operation."""
        return self.contract is not None

    def body(self, body: bytes) -> list[Violation]:
        """Check a whole (decoded) body; every finding."""
        if self.contract is not None and not self.bodiless:
            self.found += self.contract.check_body(self.operation, self.status, self.headers, body)
        return self.found

    def event(self, frame: "Frame") -> None:
        """Check one SSE frame as it arrives."""
        if self.stream is not None:
            self.found += self.stream.feed_bytes(frame.raw)

    def finish(self) -> list[Violation]:
        """The stream ended: what its grammar needs at the end; every finding."""
        if self.stream is not None:
            self.found += self.stream.finish()
        return self.found


def to_json(violation: Violation) -> dict[str, Any]:
    """A finding for the journal."""
    return {"check": violation.check, "where": violation.where, "expected": violation.expected,
            "got": violation.got}


def summary(found: list[Violation]) -> str:
    """`x-mock-violations`: `<count>; <check>:<where>, ...` (each once), cut to a header's sensible length."""
    parts = dict.fromkeys(f"{v.check}:{v.where}" for v in found)
    text = f"{len(found)}; " + ", ".join(parts)
    text = " ".join(text.encode("latin-1", errors="replace").decode("latin-1").split())
    return text if len(text) <= HEADER_LIMIT else text[:HEADER_LIMIT - 3] + "..."
