"""Stored Responses API objects: retrieve, delete, chain, list input items (the last 1,000)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import BaseResponseStore
from .memory import BoundedDict

CAPACITY = 1000


@dataclass
class StoredResponse:
    """One stored response: the object, its own input items and the context a follow-up inherits."""

    response: dict[str, Any]
    input_items: list[dict[str, Any]]
    context: list[dict[str, Any]]
    final: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a shared store (the values as they are: no deep copy)."""
        return {"response": self.response, "input_items": self.input_items, "context": self.context,
                "final": self.final, "extra": self.extra}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StoredResponse":
        """The entry `to_dict` described."""
        return cls(**data)


class ResponseStore(BaseResponseStore):
    """An LRU of the most recent responses (oldest evicted first)."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._items: BoundedDict[str, StoredResponse] = BoundedDict(capacity)

    async def put(self, entry: StoredResponse) -> None:
        """Store (or replace) an entry under its response id."""
        self._items[entry.response["id"]] = entry

    async def get(self, response_id: str) -> StoredResponse | None:
        """The entry, or None if it was never stored, was deleted or was evicted."""
        entry = self._items.get(response_id)
        if entry is not None:
            self._items.move_to_end(response_id)
        return entry

    async def delete(self, response_id: str) -> bool:
        """Remove an entry; whether it existed."""
        return self._items.pop(response_id, None) is not None

    def __len__(self) -> int:
        return len(self._items)
