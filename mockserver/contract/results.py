"""What a run found, per operation and check: the shape both reports (console and JUnit) read."""

from __future__ import annotations

from dataclasses import dataclass, field

from .violation import Violation

STREAMS_CHECK = "streams_both_ways"
GENERATION_CHECK = "request_generation"
TRANSPORT_CHECK = "transport"


@dataclass
class Finding:
    """One distinct violation, with the request that showed it first and how often it was seen."""

    violation: Violation
    curl: str
    answer: str = ""   # the answer's status, content type and the start of its body
    count: int = 1


@dataclass
class OperationResult:
    """Everything one operation's requests showed."""

    operation_id: str
    label: str
    planned: int = 0
    sent: int = 0
    dropped: int = 0
    not_run: int = 0
    checks: set[str] = field(default_factory=set)
    findings: dict[tuple[str, str, str, str], Finding] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # check -> messages (the run could not check)

    def ran(self, check: str) -> None:
        """Note that a check looked at one of this operation's answers."""
        self.checks.add(check)

    def violate(self, violation: Violation, curl: str, answer: str = "") -> None:
        """Record a violation (once per distinct field, expectation and answer)."""
        self.checks.add(violation.check)
        key = (violation.check, violation.where, violation.expected, violation.got)
        if key in self.findings:
            self.findings[key].count += 1
        else:
            self.findings[key] = Finding(violation, curl, answer)

    def error(self, check: str, message: str) -> None:
        """Record something that kept a check from running (a request the generator cannot make, a dead socket)."""
        self.checks.add(check)
        if message not in self.errors.setdefault(check, []):
            self.errors[check].append(message)

    def by_check(self) -> dict[str, list[Finding]]:
        """Findings grouped by check, in the order first seen."""
        grouped: dict[str, list[Finding]] = {}
        for finding in self.findings.values():
            grouped.setdefault(finding.violation.check, []).append(finding)
        return grouped

    @property
    def outcome(self) -> str:
        """`passed`, `failed` (a violation) or `error` (something could not be checked)."""
        if self.findings:
            return "failed"
        if self.errors:
            return "error"
        return "passed"
