"""A bounded in-memory store of Responses API objects: retrieve, delete, chain, list input items."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

CAPACITY = 1000
SERVICE = "responses.store"


@dataclass
class StoredResponse:
    """One stored response: the object, its own input items and the context a follow-up inherits."""

    response: dict[str, Any]
    input_items: list[dict[str, Any]]
    context: list[dict[str, Any]]
    final: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ResponseStore:
    """An LRU of the most recent responses (oldest evicted first)."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, StoredResponse] = OrderedDict()

    def put(self, entry: StoredResponse) -> None:
        """Store (or replace) an entry under its response id."""
        key = entry.response["id"]
        self._items[key] = entry
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def get(self, response_id: str) -> StoredResponse | None:
        """The entry, or None if it was never stored, was deleted or was evicted."""
        entry = self._items.get(response_id)
        if entry is not None:
            self._items.move_to_end(response_id)
        return entry

    def delete(self, response_id: str) -> bool:
        """Remove an entry; whether it existed."""
        return self._items.pop(response_id, None) is not None

    def __len__(self) -> int:
        return len(self._items)


def store_for(ctx: Any) -> ResponseStore:
    """The server's response store."""
    return ctx.service(SERVICE, lambda server: ResponseStore())
