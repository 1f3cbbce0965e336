"""The spec's checks run on each upstream answer as it passes: the JSON body, or each event and the stream's grammar.

The checks themselves belong to `mockserver contract` (issue 13); this module only feeds them and words the
`x-mock-violations` summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.context import RequestContext
    from .tap import Frame

HEADER_LIMIT = 512


@dataclass(frozen=True, slots=True)
class Finding:
    """One way an upstream answer breaks the spec: the check, where, and why."""

    check: str
    message: str
    where: str = ""

    def to_json(self) -> dict[str, Any]:
        """For the journal."""
        return {"check": self.check, "where": self.where, "message": self.message}


class AnswerChecks:
    """The checks for one answer, fed as it arrives (pending the contract checks API: finds nothing yet)."""

    def __init__(self, ctx: "RequestContext", status: int, headers: dict[str, str]) -> None:
        self.ctx, self.status, self.headers = ctx, status, headers
        self.findings: list[Finding] = []

    def body(self, body: bytes) -> list[Finding]:
        """Check a whole (decoded) body."""
        return self.findings

    def event(self, frame: "Frame") -> None:
        """Check one SSE event as it arrives."""

    def finish(self) -> list[Finding]:
        """The stream ended: check its grammar; every finding so far."""
        return self.findings


def summary(findings: list[Finding]) -> str:
    """`x-mock-violations`: `<count>; <check>@<where>, ...`, cut to a header's sensible length."""
    parts = [f"{f.check}@{f.where}" if f.where else f.check for f in findings]
    text = f"{len(findings)}; " + ", ".join(dict.fromkeys(parts))
    text = text.encode("latin-1", errors="replace").decode("latin-1")
    return text if len(text) <= HEADER_LIMIT else text[:HEADER_LIMIT - 3] + "..."
