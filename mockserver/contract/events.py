"""One event's schema, read from a media type's `x-itemSchema` (OpenAPI 3.2's `itemSchema` shape).

The item schema describes one event as `{event, data, id}`: its branches (`anyOf`) each name the events
they cover (`event: {const}` or `{enum}`) and describe `data` either as a literal (`const: '[DONE]'`) or
as JSON (`contentMediaType: application/json` with a `contentSchema`). JSON Schema only annotates
`contentSchema`, so the branch is chosen here (by the event name, else by data's `type`) and the data is
validated against its content schema, to name the field at fault rather than "matches no branch".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .explain import Mismatch, explain, short

if TYPE_CHECKING:
    from ..spec import Spec
    from ..spec.validators import SchemaValidator

MAX_ERRORS = 5  # per event: the first few say enough
NOT_JSON = object()


@dataclass(frozen=True)
class Branch:
    """One kind of event: the names it covers (None: unnamed) and what its data must be."""

    names: frozenset[str] | None
    literal: str | None
    validator: "SchemaValidator | None"
    title: str
    required: tuple[str, ...] = ()
    tags: tuple[tuple[str, Any], ...] = ()  # top-level `const` properties: what identifies this kind of data

    def affinity(self, data: dict) -> tuple[int, float]:
        """How surely `data` was meant as this branch: its tags present, then the share of required fields."""
        tags = sum(1 for name, value in self.tags if data.get(name) == value)
        present = sum(1 for name in self.required if name in data) / len(self.required) if self.required else 0.0
        return tags, present


class EventSchema:
    """The compiled `x-itemSchema` of one event stream."""

    def __init__(self, spec: "Spec", item_schema: dict) -> None:
        node = spec.resolve(item_schema)
        parts = node.get("anyOf") or node.get("oneOf") or [node]
        self.branches = [self._branch(spec, part) for part in parts]
        self.names = frozenset(n for b in self.branches if b.names for n in b.names)

    @staticmethod
    def _branch(spec: "Spec", part: dict) -> Branch:
        ref = part.get("$ref", "") if isinstance(part, dict) else ""
        part = spec.resolve(part)
        properties = part.get("properties") or {}
        event = spec.resolve(properties.get("event") or {})
        names = ({event["const"]} if "const" in event else set(event.get("enum") or [])) or None
        data = spec.resolve(properties.get("data") or {})
        content = data.get("contentSchema")
        title = (content or {}).get("$ref", ref).rsplit("/", 1)[-1] or "event"
        schema = spec.resolve(content) if content is not None else {}
        tags = tuple((name, spec.resolve(prop)["const"]) for name, prop in (schema.get("properties") or {}).items()
                     if "const" in spec.resolve(prop))
        return Branch(frozenset(names) if names else None, data.get("const"),
                      spec.compile_schema(schema) if content is not None else None, title,
                      tuple(schema.get("required") or ()), tags)

    def check(self, name: str | None, text: str | None, data: Any) -> tuple[Branch | None, list[Mismatch]]:
        """The branch an event belongs to and what is wrong with it (`data` is the parsed JSON or NOT_JSON)."""
        key = name if name is not None else (data.get("type") if isinstance(data, dict) else None)
        candidates = [b for b in self.branches if b.names is not None and key in b.names]
        if not candidates:
            candidates = [b for b in self.branches if b.names is None]
        if not candidates:
            expected = "one of " + ", ".join(sorted(self.names))
            return None, [Mismatch("event", expected, short(key) if key is not None else "an unnamed event")]
        if text is None:
            return candidates[0], [Mismatch("data", "a data field", "none")]
        literals = [b for b in candidates if b.literal is not None]
        for branch in literals:
            if text == branch.literal:
                return branch, []
        json_branches = [b for b in candidates if b.validator is not None]
        if data is NOT_JSON or not json_branches:
            wanted = [short(b.literal) for b in literals] + (["JSON"] if json_branches else [])
            return candidates[0], [Mismatch("data", " or ".join(wanted), short(text))]
        failing: list[tuple[Branch, list[Any]]] = []
        for branch in json_branches:
            errors = list(branch.validator.iter_errors(data))
            if not errors:
                return branch, []
            failing.append((branch, errors))
        if isinstance(data, dict):  # explain the branch the data was meant as, not the one with fewest errors
            failing.sort(key=lambda pair: pair[0].affinity(data), reverse=True)
        branch, errors = failing[0]
        return branch, [explain(error, ("data",)) for error in errors[:MAX_ERRORS]]
