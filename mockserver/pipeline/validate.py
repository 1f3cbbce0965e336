"""Validate: read the body by its declared media types, check body and parameters against compiled schemas."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from ..core.errors import MockError
from ..spec.validators import Violation, coerce, scalar_types

if TYPE_CHECKING:
    from ..core.context import RequestContext

MAX_BODY_BYTES = 64 * 1024 * 1024
INT64 = 2**63
NUMBER_CLASSES = bytes(100 if 48 <= i <= 57 else 101 if i in (69, 101) else 46 if i == 46 else 32 for i in range(256))
JSON_TYPES = ("application/json",)


async def read_raw_body(ctx: "RequestContext") -> bytes:
    """The whole request body (413 beyond the limit)."""
    message = await ctx.receive()
    if not message.get("more_body") and message["type"] == "http.request":  # the usual case: one message
        body = message.get("body", b"")
        if len(body) <= MAX_BODY_BYTES:
            return body
    chunks: list[bytes] = []
    size = 0
    while True:
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise MockError(413, f"Request body too large: over {MAX_BODY_BYTES} bytes.", code="request_too_large")
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
        message = await ctx.receive()
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def read_body(ctx: "RequestContext") -> None:
    """Parse and validate the body by its declared media types; decide whether the answer streams."""
    op = ctx.operation
    if not op.body_validators:
        return
    raw = ctx.raw_body = await read_raw_body(ctx)
    content_type = ctx.headers.get("content-type", "")
    if content_type not in op.body_validators:  # else it is already bare and lower-case
        content_type = content_type.split(";", 1)[0].strip().lower()
    if not raw and not content_type:
        if op.body_required:
            raise MockError(400, "Missing request body: this endpoint expects a "
                                 f"{' or '.join(op.body_validators)} body.", code="missing_body")
        return
    declared = content_type if content_type in op.body_validators else None
    if declared is None and content_type in ("", "text/plain") and "application/json" in op.body_validators:
        declared = "application/json" if raw.lstrip()[:1] in (b"{", b"[") else None
    if declared is None:
        expected = " or ".join(f"'{mt}'" for mt in op.body_validators)
        raise MockError(415, f"Unsupported content type: '{content_type or 'none'}'. This endpoint expects {expected}.",
                        code="unsupported_content_type")
    if declared in JSON_TYPES:
        try:
            ctx.body = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError as exc:
            raise MockError(400, "We could not parse the JSON body of your request. The API expects a JSON "
                                 f"payload, but what was sent was not valid JSON ({exc}).",
                            code="invalid_json") from None
        if ctx.body is None and op.body_required:
            raise MockError(400, "Missing request body.", code="missing_body")
        ctx.json_body = ctx.body is not None
    else:
        ctx.body = await _read_form(ctx, op.body_schemas.get(declared) or {})
    if ctx.body is not None:
        violation = op.body_validators[declared].first_violation(ctx.body)
        if violation is not None:
            raise ctx.dialect.validation_error(violation)
        ctx.body = as_handled(ctx.body, raw)


def as_handled(body: Any, raw: bytes) -> Any:
    """A JSON body as handlers take it: integral floats (`41.0`) as integers, when its text may hold any."""
    return integral_floats_to_int(body) if may_hold_integral_float(raw) else body


def reparsed(raw: bytes) -> Any:
    """A valid JSON body read again from its bytes, as `read_body` left it."""
    return as_handled(orjson.loads(raw), raw)


def may_hold_integral_float(raw: bytes) -> bool:
    """Whether a JSON text may hold a float with an integral value (then the parsed body is walked).

    A float literal has a digit before `.` or `e`. An integral one has an exponent, a fraction starting with 0
    (`41.0`), or 14 digits or more (`0.99999999999999999` reads as 1.0); with fewer, a fraction starting 1-9
    cannot round away. Strings may match too: then we just look closer. On this path a translate and a str
    `in` cost far less than a regex scan or a bytes `in`.
    """
    classes = raw.translate(NUMBER_CLASSES).decode()  # digit `d`, `.`, `e`, anything else a space
    if "de" in classes:
        return True
    if "d." not in classes:
        return False
    return ".0" in raw.decode("latin-1") or "d" * 15 in classes.replace(".", "d")


def integral_floats_to_int(value: Any) -> Any:
    """`41.0` -> `41`: JSON Schema counts it as an integer, so handlers may use it as one.

    Only within 64 bits, where the providers' integers live and orjson can write the value back; beyond
    that (orjson reads `18446744073709551617` as `1.8e19`) a value stays a float for handlers to refuse.
    """
    if isinstance(value, float):
        return int(value) if value.is_integer() and -INT64 <= value < INT64 else value
    if isinstance(value, dict):
        return {k: integral_floats_to_int(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral_floats_to_int(v) for v in value]
    return value


async def _read_form(ctx: "RequestContext", schema: dict) -> dict:
    """A form as a dict typed by its schema; uploaded files are kept aside in `ctx.files`."""
    from starlette.requests import Request

    request = Request(ctx.scope, ctx.receive)
    request._body = ctx.raw_body  # already read: let Starlette's form parser use these bytes
    try:
        form = await request.form(max_files=64, max_fields=1000)
    except Exception as exc:  # python-multipart raises several types on malformed input
        raise MockError(400, f"Could not parse the form body: {exc}", code="invalid_form") from None
    resolve = ctx.services.spec.resolve
    props = form_properties(schema, resolve)
    body: dict[str, Any] = {}
    for key in set(form.keys()):
        values = form.getlist(key)
        prop = resolve(props.get(key) or props.get(key.removesuffix("[]")) or {})
        name = key if key in props or key.removesuffix("[]") not in props else key.removesuffix("[]")
        files = [v for v in values if hasattr(v, "filename") and not isinstance(v, str)]
        many = prop.get("type") == "array" or key.endswith("[]")
        if files:
            ctx.files.setdefault(name, []).extend(files)
            rendered: list[Any] = [f.filename or "upload" for f in files]
        elif is_file_field(prop, resolve):
            raise MockError(400, f"'{name}' must be a file upload (multipart file part).", param=name,
                            code="invalid_value")
        elif len(values) > 1 and prop and not many and "array" not in scalar_types(prop, resolve):
            raise MockError(400, f"'{name}' was sent {len(values)} times; it takes one value.", param=name,
                            code="invalid_value")
        else:
            item_schema = resolve(prop.get("items", {})) if prop.get("type") == "array" else prop
            rendered = [coerce(v, item_schema, resolve) for v in values]
        body[name] = rendered if many else rendered[-1]
    return body


def is_file_field(schema: Any, resolve: Callable[[Any], Any], depth: int = 0) -> bool:
    """Whether a form field takes only uploads (`format: binary` or `contentMediaType`, or arrays of them)."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or not schema or depth > 5:
        return False
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        return all(is_file_field(branch, resolve, depth + 1) for branch in branches)
    if schema.get("type") == "array":
        return is_file_field(schema.get("items"), resolve, depth + 1)
    return schema.get("format") == "binary" or "contentMediaType" in schema


def form_properties(schema: Any, resolve: Callable[[Any], Any], depth: int = 0) -> dict:
    """A form schema's properties, including those its `allOf` branches declare."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > 5:
        return {}
    props: dict = {}
    for branch in schema.get("allOf") or []:
        props.update(form_properties(branch, resolve, depth + 1))
    props.update(schema.get("properties") or {})
    return props


def validate_parameters(ctx: "RequestContext") -> None:
    """Check declared path and query parameters against their schemas."""
    params = ctx.operation.parameters
    if not params:
        return
    resolve = ctx.services.spec.resolve
    for param in params:
        if param.location == "path":
            value: Any = ctx.path_params.get(param.name)
        elif param.location == "query":
            query = ctx.query  # parsed on first use: header parameters alone never need it
            if param.name not in query and f"{param.name}[]" not in query:
                if param.required:
                    raise ctx.dialect.validation_error(Violation(
                        f"Missing required parameter: '{param.name}'.", param.name, "missing_required_parameter",
                        where=(param.name,), detail="Field required"))
                continue
            item = resolve(param.schema.get("items", {}))
            value = ([coerce(v, item, resolve) for v in query.getlist(param.name) + query.getlist(f"{param.name}[]")]
                     if param.is_array else coerce(query[param.name], param.schema, resolve))
        else:
            continue
        if param.validator is not None and value is not None:
            violation: Violation | None = param.validator.first_violation(value, root=param.name)
            if violation is not None:
                raise ctx.dialect.validation_error(violation)


def decide_stream(ctx: "RequestContext") -> bool:
    """Whether the answer is an event stream: the body's stream field, or a streaming operation."""
    op = ctx.operation
    if op.stream_param:
        return isinstance(ctx.body, dict) and ctx.body.get(op.stream_param) is True
    return op.always_streams
