"""Is the spec sound: valid OpenAPI 3.1, and does every example match its schema?"""

from __future__ import annotations

from collections.abc import Iterator

from .model import HTTP_METHODS, Spec


def spec_problems(spec: Spec) -> list[str]:
    """Readable problems: OpenAPI validity first, then examples that break their schemas."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    problems: list[str] = []
    try:
        validate(spec.document)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        problems.append(f"{spec.source}: not valid OpenAPI 3.1 at {where}: {exc.message}")
    problems.extend(example_problems(spec))
    return problems


def example_problems(spec: Spec) -> Iterator[str]:
    """Each example (request or response) that does not validate against its schema."""
    for path, item in (spec.document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {path}"
            body = spec.resolve(op.get("requestBody") or {})
            yield from _content_problems(spec, body.get("content") or {}, f"{where} request")
            for status, response in (op.get("responses") or {}).items():
                response = spec.resolve(response)
                yield from _content_problems(spec, response.get("content") or {}, f"{where} {status}")


def _content_problems(spec: Spec, content: dict, where: str) -> Iterator[str]:
    for media_type, media in content.items():
        schema = media.get("schema")
        if not schema or not media_type.endswith("json"):
            continue
        validator = spec.compile_schema(spec.resolve(schema))
        named = {name: spec.resolve(ex).get("value") for name, ex in (media.get("examples") or {}).items()}
        if "example" in media:
            named["example"] = media["example"]
        for name, value in named.items():
            violation = validator.first_violation(value)
            if violation is not None:
                yield f"{where} {media_type} example '{name}': {violation.message}"
