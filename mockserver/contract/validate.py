"""Does an answer match the spec? Status, content type, JSON body, error envelope and event stream.

Schemathesis-independent, so that `mockserver contract` (through its check registry) and a validating
proxy share the same checks. `ResponseContract` compiles what it needs once per spec, lazily.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

from .explain import explain, short
from .streams import SSE, StreamSpec, check_stream
from .violation import Violation

if TYPE_CHECKING:
    from ..spec import Operation, Spec
    from ..spec.validators import SchemaValidator

STATUS_CHECK = "status_code_conformance"
CONTENT_TYPE_CHECK = "content_type_conformance"
BODY_CHECK = "response_body_conformance"
ENVELOPE_CHECK = "error_envelope_conformance"
MAX_ERRORS = 8

_CONTRACTS: "weakref.WeakKeyDictionary[Spec, ResponseContract]" = weakref.WeakKeyDictionary()


def contract_for(spec: "Spec") -> "ResponseContract":
    """The spec's compiled contract (built on first use, then shared)."""
    contract = _CONTRACTS.get(spec)
    if contract is None:
        contract = _CONTRACTS[spec] = ResponseContract(spec)
    return contract


def violations_for_response(spec: "Spec", operation: "Operation | str", status: int,
                            headers: Mapping[str, str], body: bytes) -> list[Violation]:
    """Everything wrong with one whole answer: status, content type, body (or every event of a stream)."""
    return contract_for(spec).check(operation, status, headers, body)


def media_type(headers: Mapping[str, str]) -> str | None:
    """The answer's media type, lower case, without parameters (None when there is no content-type)."""
    for name, value in headers.items():
        if name.lower() == "content-type":
            return value.split(";", 1)[0].strip().lower() or None
    return None


def is_json(media: str | None) -> bool:
    """`application/json` and `*/*+json`."""
    return media is not None and (media == "application/json" or media.endswith("+json"))


class ResponseContract:
    """The response side of a spec, compiled per operation on first use."""

    def __init__(self, spec: "Spec") -> None:
        self.spec = spec
        self.operations = {op.operation_id: op for op in spec.operations}
        self._validators: dict[tuple[str, str, str], "SchemaValidator | None"] = {}
        self._envelopes: dict[str, list["SchemaValidator"]] = {}
        self._streams: dict[tuple[str, str], StreamSpec | None] = {}

    def operation(self, operation: "Operation | str") -> "Operation":
        """The operation object for an operationId (or the object itself)."""
        if isinstance(operation, str):
            try:
                return self.operations[operation]
            except KeyError:
                raise LookupError(f"no operation {operation!r} in {self.spec.source}") from None
        return operation

    # ------------------------------------------------------------------ lookups

    def response_key(self, op: "Operation", status: int) -> str | None:
        """The `responses` key that documents `status`: exact, then `4XX`-style, then `default`."""
        responses = op.raw.get("responses") or {}
        for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
            if key in responses:
                return key
        return None

    def content(self, op: "Operation", key: str) -> dict[str, dict]:
        """The documented media types of one response."""
        return self.spec.resolve(op.raw["responses"][key]).get("content") or {}

    def documented_media(self, op: "Operation", key: str, media: str | None) -> str | None:
        """The documented media type an answer's content type falls under (`audio/*` and `*/*` included)."""
        if media is None:
            return None
        for documented in self.content(op, key):
            doc = documented.split(";", 1)[0].strip().lower()
            if doc == media or doc == "*/*" or (doc.endswith("/*") and media.startswith(doc[:-1])):
                return documented
        return None

    def body_validator(self, op: "Operation", key: str, documented: str) -> "SchemaValidator | None":
        """The compiled schema of one documented JSON response."""
        cache_key = (op.operation_id, key, documented)
        if cache_key not in self._validators:
            schema = self.content(op, key)[documented].get("schema")
            self._validators[cache_key] = (self.spec.compile_schema(self.spec.resolve(schema))
                                           if schema is not None else None)
        return self._validators[cache_key]

    def envelopes(self, op: "Operation") -> list["SchemaValidator"]:
        """Every JSON error schema the operation documents (its provider's envelopes)."""
        if op.operation_id not in self._envelopes:
            found: list[SchemaValidator] = []
            for key in op.raw.get("responses") or {}:
                if key[0] in "45" or key == "default":
                    for documented, media in self.content(op, key).items():
                        if is_json(documented.split(";")[0].lower()) and media.get("schema") is not None:
                            validator = self.body_validator(op, key, documented)
                            if validator is not None and validator.schema not in [v.schema for v in found]:
                                found.append(validator)
            self._envelopes[op.operation_id] = found
        return self._envelopes[op.operation_id]

    def stream_spec(self, op: "Operation", status: int) -> StreamSpec | None:
        """What the spec says about the operation's event stream at `status` (None when it documents none)."""
        key = self.response_key(op, status)
        if key is None:
            return None
        cache_key = (op.operation_id, key)
        if cache_key not in self._streams:
            media = self.content(op, key).get(SSE)
            self._streams[cache_key] = StreamSpec.from_media(self.spec, media) if media is not None else None
        return self._streams[cache_key]

    def streams(self, operation: "Operation | str") -> bool:
        """Whether the operation documents an event stream for its success status."""
        op = self.operation(operation)
        return self.stream_spec(op, op.success_status) is not None

    # ------------------------------------------------------------------ checks

    def check(self, operation: "Operation | str", status: int, headers: Mapping[str, str],
              body: bytes) -> list[Violation]:
        """Everything wrong with one whole answer."""
        return self.check_head(operation, status, headers) + self.check_body(operation, status, headers, body)

    def check_head(self, operation: "Operation | str", status: int, headers: Mapping[str, str]) -> list[Violation]:
        """Status and content type, before any body arrives."""
        op = self.operation(operation)
        key = self.response_key(op, status)
        if key is None:
            documented = ", ".join(op.raw.get("responses") or {}) or "none"
            return [Violation(STATUS_CHECK, "status", f"one of {documented}", str(status))]
        media = media_type(headers)
        documented_types = list(self.content(op, key))
        if documented_types and self.documented_media(op, key, media) is None:
            return [Violation(CONTENT_TYPE_CHECK, "content-type", "one of " + ", ".join(documented_types),
                              media or "none")]
        return []

    def check_body(self, operation: "Operation | str", status: int, headers: Mapping[str, str],
                   body: bytes) -> list[Violation]:
        """The body against its documented schema; an error in its envelope; a stream event by event."""
        op = self.operation(operation)
        media = media_type(headers)
        key = self.response_key(op, status)
        check = ENVELOPE_CHECK if status >= 400 else BODY_CHECK
        if key is None:
            return self.check_envelope(op, media, body) if status >= 400 else []
        documented = self.documented_media(op, key, media)
        if documented is None:
            return []
        if media == SSE:
            return check_stream(self.spec, op, body, status) if self.stream_spec(op, status) else []
        if not is_json(media):
            return []
        validator = self.body_validator(op, key, documented)
        data = _parse(body)
        if data is _NOT_JSON:
            return [Violation(check, "", "a JSON body", short(body.decode("utf-8", "replace")))]
        return _mismatches(check, validator, data) if validator is not None else []

    def check_envelope(self, operation: "Operation | str", media: str | None, body: bytes) -> list[Violation]:
        """An error at a status the operation does not document must still be in one of its error envelopes."""
        op = self.operation(operation)
        envelopes = self.envelopes(op)
        if not envelopes:
            return []
        data = _parse(body) if is_json(media) else _NOT_JSON
        if data is _NOT_JSON:
            return [Violation(ENVELOPE_CHECK, "", "a JSON error body in the provider's envelope",
                              f"{media or 'no content type'}: {short(body.decode('utf-8', 'replace'))}")]
        best: list[Violation] | None = None
        for validator in envelopes:
            found = _mismatches(ENVELOPE_CHECK, validator, data)
            if not found:
                return []
            if best is None or len(found) < len(best):
                best = found
        return best or []


_NOT_JSON = object()


def _parse(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _NOT_JSON


def _mismatches(check: str, validator: "SchemaValidator", data: Any) -> list[Violation]:
    found = []
    for error in validator.iter_errors(data):
        mismatch = explain(error)
        found.append(Violation(check, mismatch.field, mismatch.expected, mismatch.got))
        if len(found) >= MAX_ERRORS:
            break
    return found
