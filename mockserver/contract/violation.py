"""What a check found wrong with an answer: the check, the field or event at fault, expected and got."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One way an answer breaks the spec."""

    check: str               # the check that found it (`response_body_conformance`, `stream_grammar_conformance`, ...)
    field: str               # the field at fault: `choices[0].index`, `data.sequence_number`, `status`, `content-type`
    expected: str
    got: str
    event: str | None = None  # the stream event at fault: `event 4 (content_block_delta)`, `end of stream`

    @property
    def where(self) -> str:
        """The event and field at fault, as one label."""
        if self.event:
            return f"{self.event}: {self.field}" if self.field else self.event
        return self.field or "body"

    def __str__(self) -> str:
        return f"{self.where}: expected {self.expected}, got {self.got}"
