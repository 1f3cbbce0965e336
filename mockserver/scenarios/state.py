"""Keyed state: sequence positions, chaos draws and rate-limit windows, per scenario and key."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from typing import Any

from ..context import RequestContext
from .matcher import json_path

WINDOW_S = 60.0


def key_of(ctx: RequestContext, spec: str) -> str:
    """The key a scenario counts by: `header:x-test-id`, `body:user`, `api_key` or `global`."""
    kind, _, arg = spec.partition(":")
    if kind == "header":
        return ctx.headers.get(arg, "")
    if kind == "body":
        values = json_path(ctx.body, arg)
        return str(values[0]) if values else ""
    if kind == "api_key":
        return ctx.api_key or ""
    return ""


class ScenarioState:
    """Where each (scenario, key) is in its sequence, and what rate limits have counted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.positions: dict[str, dict[str, int]] = {}
        self.draws: dict[tuple[str, str], int] = {}
        self.windows: dict[tuple[str, str], deque[tuple[float, int]]] = {}

    def advance(self, scenario: str, key: str) -> int:
        """The position to serve now (then move on by one)."""
        with self._lock:
            keyed = self.positions.setdefault(scenario, {})
            position = keyed.get(key, 0)
            keyed[key] = position + 1
            return position

    def peek(self, scenario: str, key: str) -> int:
        """The position the next request would get."""
        return self.positions.get(scenario, {}).get(key, 0)

    def set(self, scenario: str, key: str, position: int) -> None:
        """Move a key to a position."""
        with self._lock:
            self.positions.setdefault(scenario, {})[key] = position

    def reset(self, scenario: str | None = None, key: str | None = None) -> None:
        """Forget positions, draws and windows (of one scenario / key, or all)."""
        with self._lock:
            if scenario is None:
                self.positions.clear()
                self.draws.clear()
                self.windows.clear()
                return
            if key is None:
                self.positions.pop(scenario, None)
            else:
                self.positions.get(scenario, {}).pop(key, None)
            for table in (self.draws, self.windows):
                for entry in [k for k in table if k[0] == scenario and (key is None or k[1] == key)]:
                    del table[entry]

    def chance(self, scenario: str, key: str, seed: int) -> float:
        """The next reproducible draw in [0, 1) of this scenario and key."""
        with self._lock:
            count = self.draws.get((scenario, key), 0)
            self.draws[(scenario, key)] = count + 1
        return random.Random(f"{seed}:{scenario}:{key}:{count}").random()

    def take(self, scenario: str, key: str, tokens: int, rpm: int | None, tpm: int | None) -> tuple[bool, dict[str, Any]]:
        """Count one request of `tokens` if the window allows it; report limits, remainders and reset."""
        now = time.monotonic()
        with self._lock:
            window = self.windows.setdefault((scenario, key), deque())
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
        return allowed, {"rpm": rpm, "tpm": tpm, "requests_left": None if rpm is None else max(0, rpm - used_requests),
                         "tokens_left": None if tpm is None else max(0, tpm - used_tokens),
                         "reset_s": max(reset_s, 0.001), "over": "tokens" if over_tokens and not over_requests
                         else "requests"}

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Positions as JSON."""
        with self._lock:
            return {name: dict(keys) for name, keys in self.positions.items()}
