"""The run as people and CI read it: a live line per operation, each violation with a curl, and JUnit XML.

Every line passes through the `Redactor`, so a key never reaches the terminal, the JUnit file or a log.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .results import Finding, OperationResult

if TYPE_CHECKING:
    from .plan import Plan

KEY_ENV = "MOCKSERVER_CONTRACT_KEY"
PLACEHOLDER = "$" + KEY_ENV
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key",
                               "cookie", "x-auth-token"})
MIN_SECRET = 4


class Redactor:
    """Replaces every known secret with the placeholder a user can export to rerun a curl."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)

    @classmethod
    def for_headers(cls, headers: dict[str, str], key: str | None) -> "Redactor":
        """The secrets in sensitive headers (the token after `Bearer `) and the key from the environment."""
        secrets = [key or ""]
        for name, value in headers.items():
            if name.lower() in SENSITIVE_HEADERS:
                secrets.append(value[7:].strip() if value[:7].lower() == "bearer " else value.strip())
        return cls(secrets)

    def scrub(self, text: str) -> str:
        """`text` without any secret."""
        for secret in self.secrets:
            text = text.replace(secret, PLACEHOLDER)
        return text

    def curl(self, command: str) -> str:
        """A curl without secrets, double-quoting the arguments that hold the placeholder so the shell expands it."""
        command = self.scrub(command)
        return re.sub(r"'([^'\"]*\$" + KEY_ENV + r"[^'\"]*)'", r'"\1"', command)

    def display(self, headers: dict[str, str]) -> dict[str, str]:
        """Headers as a reproduction shows them: secrets as the placeholder."""
        return {name: self.scrub(value) for name, value in headers.items()}


class Console:
    """Progress and results on a terminal (or any text stream)."""

    def __init__(self, redactor: Redactor, stream: TextIO | None = None) -> None:
        self.redactor = redactor
        self.stream = stream or sys.stdout
        self.width = 34

    def write(self, text: str = "", end: str = "\n") -> None:
        """Write redacted text."""
        self.stream.write(self.redactor.scrub(text) + end)
        self.stream.flush()

    def plan(self, plan: "Plan", base_url: str, spec_source: object, seed: int, rate: float | None = None) -> None:
        """What the run will send, before it sends anything."""
        counts = plan.counts()
        kinds = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        budget = "no budget" if plan.budget is None else f"budget {plan.budget}"
        if rate:
            budget += f", at most {rate:g} request(s)/s"
        self.write(f"mockserver contract: {base_url}")
        self.write(f"spec {spec_source}, {len(plan.operations)} operation(s), seed {seed}")
        polls = f" (job polls counted at most {plan.job_polls} per job)" if counts.get("job") else ""
        self.write(f"plan: at most {plan.cost} request(s){polls}, {budget}: {kinds or 'nothing'}")
        dropped = sum(op.dropped for op in plan.operations)
        if dropped:
            self.write(f"the budget leaves out {dropped} planned request(s); raise --budget or narrow with "
                       "--operation to check more")
        uncovered = [op.operation_id for op in plan.operations if not op.planned]
        if uncovered:
            self.write(f"not checked within the budget: {', '.join(uncovered)}")

    def dry_run(self, plan: "Plan") -> None:
        """Every planned request, by operation."""
        for op in plan.operations:
            kinds = ", ".join(f"{p.kind}{' (' + p.note + ')' if p.note else ''}" for p in op.planned)
            self.write(f"  {op.operation_id:<{self.width}} {op.cost:>4}  {kinds or '-'}")
            for problem in op.problems:
                self.write(f"  {'':<{self.width}}       error: {problem}")

    def start(self, operation_id: str, label: str) -> None:
        """An operation's line begins."""
        self.write(f"  {operation_id:<{self.width}} ", end="")

    def tick(self, mark: str) -> None:
        """One request answered: `.` clean, `F` a violation, `E` no answer, `w` a 429 waited out."""
        self.write(mark, end="")

    def done(self, result: OperationResult) -> None:
        """An operation's line ends with its outcome."""
        word = {"passed": "ok", "failed": f"FAILED ({len(result.findings)})", "error": "ERROR"}[result.outcome]
        self.write(f"  {result.sent} request(s)  {word}")

    def details(self, results: list[OperationResult]) -> None:
        """Each failed operation's violations, with a curl that reproduces each."""
        for result in results:
            if result.outcome == "passed":
                continue
            self.write(f"\n{result.outcome.upper()}: {result.operation_id} ({result.label})")
            for check, findings in result.by_check().items():
                for finding in findings:
                    self._finding(check, finding)
            for check, messages in result.errors.items():
                for message in messages:
                    self.write(f"  {check}: could not check: {message}")

    def _finding(self, check: str, finding: Finding) -> None:
        times = f" ({finding.count} times)" if finding.count > 1 else ""
        violation = finding.violation
        self.write(f"  {check}: {violation.where}{times}")
        self.write(f"    expected: {violation.expected}")
        self.write(f"    got:      {violation.got}")
        if finding.answer:
            self.write(f"    answer:   {finding.answer}")
        if finding.curl:
            self.write(f"    reproduce: {self.redactor.curl(finding.curl)}")

    def summary(self, results: list[OperationResult], sent: int, stopped: str | None) -> None:
        """One line for the whole run."""
        outcomes = [r.outcome for r in results]
        line = (f"\n{len(results)} operation(s): {outcomes.count('passed')} passed, {outcomes.count('failed')} "
                f"failed, {outcomes.count('error')} with errors; {sent} request(s) sent")
        self.write(line + (f"; stopped early: {stopped}" if stopped else ""))


def write_junit(path: Path, results: list[OperationResult], redactor: Redactor, seconds: float) -> None:
    """JUnit XML: one test case per operation and check; failures carry the violation and its curl."""
    suite = ET.Element("testsuite", name="mockserver contract", time=f"{seconds:.3f}")
    tests = failures = errors = 0
    for result in results:
        grouped = result.by_check()
        for check in sorted(result.checks):
            case = ET.SubElement(suite, "testcase", classname=result.operation_id, name=check)
            tests += 1
            if check in grouped:
                failures += 1
                texts = [_finding_text(f, redactor) for f in grouped[check]]
                first = grouped[check][0].violation
                failure = ET.SubElement(case, "failure", message=redactor.scrub(str(first)), type=check)
                failure.text = "\n\n".join(texts)
            elif check in result.errors:
                errors += 1
                error = ET.SubElement(case, "error", message=redactor.scrub(result.errors[check][0]), type=check)
                error.text = redactor.scrub("\n".join(result.errors[check]))
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _finding_text(finding: Finding, redactor: Redactor) -> str:
    violation = finding.violation
    lines = [f"{violation.where}", f"expected: {violation.expected}", f"got: {violation.got}"]
    if finding.answer:
        lines.append(f"answer: {finding.answer}")
    if finding.count > 1:
        lines.append(f"seen {finding.count} times")
    if finding.curl:
        lines.append(f"reproduce: {redactor.curl(finding.curl)}")
    return redactor.scrub("\n".join(lines))
