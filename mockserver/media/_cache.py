"""A least-recently-used cache bounded by the bytes it holds (renders are kilobytes to megabytes each)."""

from __future__ import annotations

import functools
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
ENTRY_OVERHEAD = 128  # the ordered dict's slot, its link and the (value, size) pair, rounded up


def held_bytes(key: Any, value: Any) -> int:
    """What an entry holds: the value, the key and its parts (prompts can be long), and the entry itself."""
    parts = key if isinstance(key, tuple) else (key,)
    return sys.getsizeof(value) + sys.getsizeof(key) + sum(map(sys.getsizeof, parts)) + ENTRY_OVERHEAD


class ByteCache:
    """Values by key, the least recently used dropped beyond `max_bytes`; thread-safe (writes hold a lock)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Any) -> Any:
        """The value, or None (and it becomes the most recently used)."""
        found = self._items.get(key)  # no lock: each OrderedDict call is atomic, and a hit is the common case
        if found is None:
            return None
        try:
            self._items.move_to_end(key)
        except KeyError:  # another thread evicted it meanwhile: the value is still good to return
            pass
        return found[0]

    def put(self, key: Any, value: Any) -> None:
        """Keep `value` unless its entry alone is larger than the bound; forget the oldest beyond it."""
        size = held_bytes(key, value)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._items[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self.bytes = 0


def byte_cache(max_bytes: int) -> Callable[[F], F]:
    """`functools.lru_cache` for functions of hashable arguments, bounded by the bytes held instead of a count."""

    def decorate(func: F) -> F:
        cache = ByteCache(max_bytes)

        @functools.wraps(func)
        def cached(*args: Any) -> Any:
            found = cache.get(args)
            if found is None:
                found = func(*args)
                cache.put(args, found)
            return found

        cached.cache = cache  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]

    return decorate
