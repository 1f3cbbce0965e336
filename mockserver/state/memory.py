"""Bounded in-memory building blocks: an LRU dict, a cache with expiry, scenario counters and rate windows."""

from __future__ import annotations

import random
import time
from collections import OrderedDict, deque
from typing import Any, Generic, TypeVar

from .base import BaseCounters, BaseScenarioSet, BaseTimedCache, OnChange, Overlay

K = TypeVar("K")
V = TypeVar("V")
WINDOW_S = 60.0
MAX_KEYS = 100_000


class BoundedDict(OrderedDict, Generic[K, V]):
    """A dict that forgets its least recently written keys beyond `limit`."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.limit:
            self.popitem(last=False)


class TimedCache(BaseTimedCache):
    """Values that expire after their TTL; at most `limit` entries (oldest written dropped first)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._items: BoundedDict[str, tuple[float, Any]] = BoundedDict(limit)

    async def get(self, key: str) -> Any:
        """The live value, or None."""
        found = self._items.get(key)
        if found is None:
            return None
        until, value = found
        if until < time.monotonic():
            self._items.pop(key, None)
            return None
        return value

    async def put(self, key: str, value: Any, ttl_s: float = 3600.0) -> None:
        """Keep `value` for `ttl_s` seconds."""
        self._items[key] = (time.monotonic() + ttl_s, value)


class ScenarioCounters(BaseCounters):
    """Where each (scenario, key) is in its sequence, its chaos draws, and its rate-limit windows."""

    def __init__(self, limit: int = MAX_KEYS) -> None:
        self.positions: BoundedDict[tuple[str, str], int] = BoundedDict(limit)
        self.draws: BoundedDict[tuple[str, str], int] = BoundedDict(limit)
        self.windows: BoundedDict[tuple[str, str], deque[tuple[float, int]]] = BoundedDict(limit)

    async def advance(self, scenario: str, key: str) -> int:
        """The position to serve now (then move on by one)."""
        position = self.positions.get((scenario, key), 0)
        self.positions[(scenario, key)] = position + 1
        return position

    async def peek(self, scenario: str, key: str) -> int:
        """The position the next request would get."""
        return self.positions.get((scenario, key), 0)

    async def set(self, scenario: str, key: str, position: int) -> None:
        """Move a key to a position."""
        self.positions[(scenario, key)] = position

    async def reset(self, scenario: str | None = None, key: str | None = None) -> None:
        """Forget positions, draws and windows (of one scenario / key, or all)."""
        for table in (self.positions, self.draws, self.windows):
            if scenario is None:
                table.clear()
                continue
            for entry in [k for k in table if k[0] == scenario and (key is None or k[1] == key)]:
                del table[entry]

    async def chance(self, scenario: str, key: str, seed: int) -> float:
        """The next reproducible draw in [0, 1) of this scenario and key."""
        count = self.draws.get((scenario, key), 0)
        self.draws[(scenario, key)] = count + 1
        return random.Random(f"{seed}:{scenario}:{key}:{count}").random()

    async def take(self, scenario: str, key: str, tokens: int, rpm: int | None,
                   tpm: int | None) -> tuple[bool, dict[str, Any]]:
        """Count one request of `tokens` if the sliding minute allows it; report limits, remainders and reset."""
        now = time.monotonic()
        window = self.windows.get((scenario, key))
        if window is None:
            window = self.windows[(scenario, key)] = deque()
        while window and now - window[0][0] >= WINDOW_S:
            window.popleft()
        used_requests, used_tokens = len(window), sum(t for _, t in window)
        over_requests = rpm is not None and used_requests + 1 > rpm
        over_tokens = tpm is not None and used_tokens + tokens > tpm
        allowed = not (over_requests or over_tokens)
        if allowed:
            window.append((now, tokens))
            used_requests, used_tokens = used_requests + 1, used_tokens + tokens
        reset_s = (WINDOW_S - (now - window[0][0])) if window else 0.0
        return allowed, {"rpm": rpm, "tpm": tpm,
                         "requests_left": None if rpm is None else max(0, rpm - used_requests),
                         "tokens_left": None if tpm is None else max(0, tpm - used_tokens),
                         "reset_s": max(reset_s, 0.001),
                         "over": "tokens" if over_tokens and not over_requests else "requests"}

    async def snapshot(self) -> dict[str, dict[str, int]]:
        """Positions as JSON: {scenario: {key: position}}."""
        out: dict[str, dict[str, int]] = {}
        for (scenario, key), position in self.positions.items():
            out.setdefault(scenario, {})[key] = position
        return out


class ScenarioSet(BaseScenarioSet):
    """Run-time scenario changes of this process alone (no one else to tell)."""

    def __init__(self) -> None:
        self.overlay = Overlay()

    async def load(self) -> Overlay:
        """The changes as they stand."""
        return Overlay(self.overlay.version, list(self.overlay.added), set(self.overlay.removed))

    async def add(self, scenarios: list[Any]) -> None:
        """Add (or replace by name) scenarios."""
        names = {s.name for s in scenarios}
        self.overlay.added = [s for s in self.overlay.added if s.name not in names] + list(scenarios)
        self.overlay.version += 1

    async def remove(self, name: str) -> None:
        """Remove a scenario by name."""
        self.overlay.added = [s for s in self.overlay.added if s.name != name]
        self.overlay.removed.add(name)
        self.overlay.version += 1

    async def reset(self) -> None:
        """Forget every change."""
        self.overlay = Overlay(self.overlay.version + 1)

    def watch(self, on_change: OnChange) -> None:
        """Nothing else changes this set."""
