"""Load the OpenAPI document once: operations, compiled validators and examples."""

from __future__ import annotations

import copy
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from .settings import shipped
from .validation import SchemaValidator

DEFAULT_SPEC = shipped("specs/gateway.openapi.yaml")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Example:
    """One named example of one response."""

    name: str
    status: int
    media_type: str
    value: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Parameter:
    """A declared path, query or header parameter with its compiled schema."""

    name: str
    location: str
    required: bool
    schema: dict
    validator: SchemaValidator | None
    is_array: bool


@dataclass
class Operation:
    """One spec operation with everything the request path needs, prepared once."""

    operation_id: str
    method: str
    path: str
    dialects: tuple[str, ...]
    handler_name: str | None
    stream_param: str | None
    task: dict | None
    summary: str
    body_required: bool
    body_validators: dict[str, SchemaValidator]
    body_schemas: dict[str, dict]
    parameters: list[Parameter]
    examples: list[Example]
    success_status: int
    raw: dict

    @property
    def dialect(self) -> str:
        """The operation's default dialect."""
        return self.dialects[0]

    def example(self, *, status: int | None = None, name: str | None = None,
                media_type: str | None = None) -> Example | None:
        """The first example matching the given status, name and media type."""
        for example in self.examples:
            if status is not None and example.status != status:
                continue
            if name is not None and example.name != name:
                continue
            if media_type is not None and example.media_type != media_type:
                continue
            return example
        return None

    def default_example(self) -> Example | None:
        """The documented success example, JSON first."""
        return (self.example(status=self.success_status, media_type="application/json")
                or self.example(status=self.success_status))


def load_document(source: Path) -> dict:
    """Parse a YAML (or JSON) spec; parsed documents are cached by content hash, since YAML is slow to read."""
    raw = source.read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mockserver"
    cached = cache / f"spec-{hashlib.sha256(raw).hexdigest()[:32]}.json"
    try:
        return orjson.loads(cached.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        pass
    document = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    try:
        cache.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(orjson.dumps(document))
        temporary.replace(cached)
    except (OSError, TypeError):
        pass  # a read-only home or a non-JSON YAML value: just parse each time
    return document


class Spec:
    """The parsed OpenAPI document and its operations."""

    def __init__(self, document: dict, source: Path | None = None) -> None:
        self.document = document
        self.source = source
        self.components = document.get("components", {})
        self.operations: list[Operation] = []
        self._build()
        self.yaml_bytes = (source.read_bytes() if source else yaml.safe_dump(document).encode())
        self.json_bytes = orjson.dumps(document, option=orjson.OPT_INDENT_2)

    @classmethod
    def load(cls, path: Path | str | None = None) -> "Spec":
        """Read and index a spec file."""
        source = Path(path) if path else DEFAULT_SPEC
        return cls(load_document(source), source)

    def resolve(self, node: Any) -> Any:
        """Follow a local `$ref` (repeatedly) to the node it names."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            node = self._pointer(node["$ref"])
            seen += 1
        return node

    def _pointer(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported: {ref}")
        node: Any = self.document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def compile_schema(self, schema: dict) -> SchemaValidator:
        """A validator for `schema` carrying just the components its local refs reach."""
        rooted = dict(schema)
        if "components" not in rooted:
            rooted["components"] = self._reachable_components(schema)
        return SchemaValidator(rooted)

    def _reachable_components(self, schema: Any) -> dict:
        """The subset of `components` that `schema` refers to, transitively (compiling less is faster)."""
        found: dict[str, dict] = {}
        pending = [schema]
        while pending:
            node = pending.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/components/"):
                    section, _, name = ref[len("#/components/"):].partition("/")
                    if name not in found.setdefault(section, {}):
                        target = self._pointer(ref)
                        found[section][name] = target
                        pending.append(target)
                pending.extend(node.values())
            elif isinstance(node, list):
                pending.extend(node)
        return found

    def _build(self) -> None:
        for path, item in (self.document.get("paths") or {}).items():
            item = self.resolve(item)
            shared_params = item.get("parameters", [])
            for method in HTTP_METHODS:
                raw = item.get(method)
                if raw is not None:
                    self.operations.append(self._operation(path, method.upper(), raw, shared_params))

    def _operation(self, path: str, method: str, raw: dict, shared_params: list) -> Operation:
        dialects = raw.get("x-mock-dialect", "openai")
        dialects = tuple(dialects) if isinstance(dialects, list) else (dialects,)
        body = self.resolve(raw.get("requestBody") or {})
        body_schemas = {mt: self.resolve(c.get("schema") or {})
                        for mt, c in (body.get("content") or {}).items()}
        examples = list(self._examples(raw))
        successes = sorted(e.status for e in examples if 200 <= e.status < 300)
        declared = sorted(int(s) for s in raw.get("responses", {}) if s.isdigit() and s.startswith("2"))
        return Operation(
            operation_id=raw.get("operationId") or f"{method} {path}",
            method=method,
            path=path,
            dialects=dialects,
            handler_name=raw.get("x-mock-handler"),
            stream_param=raw.get("x-mock-stream-param"),
            task=raw.get("x-mock-task"),
            summary=raw.get("summary", ""),
            body_required=bool(body.get("required")),
            body_validators={mt: self.compile_schema(s) for mt, s in body_schemas.items()},
            body_schemas=body_schemas,
            parameters=[self._parameter(p) for p in [*shared_params, *raw.get("parameters", [])]],
            examples=examples,
            success_status=(successes or declared or [200])[0],
            raw=raw,
        )

    def _parameter(self, raw: dict) -> Parameter:
        raw = self.resolve(raw)
        schema = self.resolve(raw.get("schema") or {})
        return Parameter(
            name=raw["name"],
            location=raw.get("in", "query"),
            required=bool(raw.get("required")),
            schema=schema,
            validator=self.compile_schema(schema) if schema else None,
            is_array=schema.get("type") == "array",
        )

    def _examples(self, raw: dict):
        for status, response in (raw.get("responses") or {}).items():
            if not status.isdigit():
                continue
            response = self.resolve(response)
            headers = {name: str(self.resolve(h).get("example", ""))
                       for name, h in (response.get("headers") or {}).items()
                       if "example" in self.resolve(h)}
            for media_type, content in (response.get("content") or {}).items():
                named = content.get("examples") or {}
                for name, example in named.items():
                    example = self.resolve(example)
                    if "value" in example:
                        yield Example(name, int(status), media_type, copy.deepcopy(example["value"]), headers)
                if "example" in content:
                    yield Example("default", int(status), media_type, copy.deepcopy(content["example"]), headers)
