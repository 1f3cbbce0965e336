"""Upstream failures as a real client of the gateway would see them: 502 / 504 in the dialect's envelope."""

from __future__ import annotations

import httpx

from ..core.errors import MockError


def before_answer(error: httpx.HTTPError, upstream: str, timeout: float) -> MockError:
    """The error for an upstream that gave no answer: refused, unreachable, silent or closed early."""
    if isinstance(error, httpx.TimeoutException):
        return MockError(504, f"Gateway timeout: the upstream {upstream} did not answer within {timeout:g}s.",
                         code="upstream_timeout")
    if isinstance(error, httpx.ConnectError):
        return MockError(502, f"Bad gateway: cannot connect to the upstream {upstream} ({_reason(error)}).",
                         code="upstream_unreachable")
    return MockError(502, f"Bad gateway: the upstream {upstream} failed before answering ({_reason(error)}).",
                     code="upstream_error")


def mid_answer(error: httpx.HTTPError, upstream: str, timeout: float) -> MockError:
    """The error for an answer the upstream started but did not finish (a reset, a stall)."""
    if isinstance(error, httpx.TimeoutException):
        return MockError(504, f"Gateway timeout: the upstream {upstream} stopped sending for {timeout:g}s "
                              "in the middle of its answer.", code="upstream_timeout")
    return MockError(502, f"Bad gateway: the upstream {upstream} broke off its answer ({_reason(error)}).",
                     code="upstream_error")


def _reason(error: httpx.HTTPError) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."
