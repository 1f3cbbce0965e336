"""The contract's checks in Schemathesis' registry, beside its own: plain functions `(ctx, response, case)`.

Each wraps the Schemathesis-independent validation (`validate.py`, `streams.py`) and raises one
`ContractFailure` carrying the `Violation`s, so the runner reports them field by field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import schemathesis
from schemathesis.core.failures import Failure, Severity

from .streams import EVENT_CHECK, GRAMMAR_CHECK
from .validate import BODY_CHECK, ENVELOPE_CHECK, contract_for
from .violation import Violation

if TYPE_CHECKING:
    from schemathesis import Case, CheckContext, Response

    from ..spec import Spec

# Schemathesis' own checks the contract runs. Left out: `response_schema_conformance` (the body checks below
# do the same with field-level reports and see inside streams); `positive_data_acceptance` (a provider refuses
# schema-valid requests that break rules a schema cannot state: a budget below max_tokens, a tool result for
# no tool call); `ignored_auth` and `object_level_authorization` (extra unauthenticated or cross-tenant requests
# a paid gateway would bill for, and the mock accepts any key).
SCHEMATHESIS_CHECKS = (
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "negative_data_rejection", "missing_required_header", "unsupported_method", "allow_header_conformance",
    "use_after_free", "ensure_resource_availability",
)
CONTRACT_CHECKS = (BODY_CHECK, ENVELOPE_CHECK, EVENT_CHECK, GRAMMAR_CHECK)
TITLES = {BODY_CHECK: "Response body does not match its schema",
          ENVELOPE_CHECK: "Error answer is not in the provider's envelope",
          EVENT_CHECK: "Stream event does not match its schema",
          GRAMMAR_CHECK: "Stream breaks its grammar"}

_SPECS: "dict[int, tuple[object, Spec]]" = {}  # Schemathesis schemas are unhashable: by id, holding the schema


class ContractFailure(Failure):
    """One contract check's violations on one answer."""

    code: ClassVar[str] = "ST951"
    checks: ClassVar[tuple[str, ...]] = CONTRACT_CHECKS
    kind_title: ClassVar[str] = "Contract violation"

    def __init__(self, *, operation: str, check: str, violations: list[Violation]) -> None:
        super().__init__(operation=operation, title=TITLES.get(check, check),
                         message="\n".join(str(v) for v in violations), severity=Severity.HIGH)
        self.violations = violations

    @property
    def _unique_key(self) -> str:
        return self.message


def bind(schema: object, spec: "Spec") -> None:
    """Tell the checks which of our specs a Schemathesis schema was loaded from."""
    _SPECS[id(schema)] = (schema, spec)


def selected() -> list:
    """Schemathesis' checks the contract runs, then its own, as registered functions."""
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    return CHECKS.get_by_names([*SCHEMATHESIS_CHECKS, *CONTRACT_CHECKS])


_last: tuple[object, list[Violation]] | None = None  # the checks of one answer run one after another: parse it once


def _violations(response: "Response", case: "Case") -> list[Violation]:
    global _last
    if _last is not None and _last[0] is response:
        return _last[1]
    schema, spec = _SPECS.get(id(case.operation.schema), (None, None))
    spec = spec if schema is case.operation.schema else None
    operation_id = case.operation.definition.raw.get("operationId")
    found: list[Violation] = []
    if spec is not None and operation_id:
        contract = contract_for(spec)
        found = contract.check_body(operation_id, response.status_code, _headers(response), response.content or b"")
    _last = (response, found)
    return found


def _headers(response: "Response") -> dict[str, str]:
    return {name: values[0] if isinstance(values, list) else values for name, values in response.headers.items()}


def _raise(check: str, response: "Response", case: "Case") -> None:
    violations = [v for v in _violations(response, case) if v.check == check]
    if violations:
        raise ContractFailure(operation=case.operation.label, check=check, violations=violations)


@schemathesis.check
def response_body_conformance(ctx: "CheckContext", response: "Response", case: "Case") -> bool | None:
    """A JSON answer matches the schema documented for its status and content type."""
    _raise(BODY_CHECK, response, case)
    return None


@schemathesis.check
def error_envelope_conformance(ctx: "CheckContext", response: "Response", case: "Case") -> bool | None:
    """An error answer is in the provider's envelope, at documented statuses and undocumented ones alike."""
    _raise(ENVELOPE_CHECK, response, case)
    return None


@schemathesis.check
def stream_event_conformance(ctx: "CheckContext", response: "Response", case: "Case") -> bool | None:
    """Each event of a stream matches the schema its media type declares for that event."""
    _raise(EVENT_CHECK, response, case)
    return None


@schemathesis.check
def stream_grammar_conformance(ctx: "CheckContext", response: "Response", case: "Case") -> bool | None:
    """A stream's events come in the order, with the terminator, its grammar requires."""
    _raise(GRAMMAR_CHECK, response, case)
    return None
