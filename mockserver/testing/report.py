"""A failing test's journal as text: each request, what answered it, and why no scenario of the test did."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .handle import MockHandle
    from .recordings import Plan

TITLE = "mockserver journal"


def journal_text(entries: list[dict], handle: "MockHandle", plan: "Plan | None" = None) -> str:
    """The report section of one test."""
    lines = [_recording_line(plan, handle)] if plan is not None else []
    if not entries:
        lines.append("No request of this test reached the mock. " + _belonging(handle))
        return "\n".join(lines)
    lines.append(f"{len(entries)} request(s) of test id {handle.test_id}, oldest first:")
    for number, entry in enumerate(entries, 1):
        lines.append(f"{number}. {_request_line(entry)}")
        lines.extend(f"     {line}" for line in _why(entry))
    return "\n".join(lines)


def _recording_line(plan: "Plan", handle: "MockHandle") -> str:
    if plan.mode == "record":
        return f"Recording to {plan.folder} through {handle.url} (a server of this test's own)."
    return (f"Replaying {plan.folder} (strict: a request no recording matches gets a 404 naming the nearest). "
            f"To record again: {plan.how_to_record()}")


def _belonging(handle: "MockHandle") -> str:
    if handle.scope is None:
        return f"The SDKs' base URLs pointed at {handle.url}; a client with another base URL talks to someone else."
    return (f"Requests belong to the test by the key {handle.api_key} (what the mock fixture puts in "
            f"OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY) or the header X-Test-Id: {handle.test_id}; "
            "a client with another key or base URL talks to someone else.")


def _request_line(entry: dict) -> str:
    body = entry.get("body")
    model = body.get("model") if isinstance(body, dict) else None
    operation = entry.get("operation") or "no operation"
    about = f" model={model}" if isinstance(model, str) else ""
    if isinstance(body, dict) and body.get("stream"):
        about += " stream"
    return (f"{entry['method']} {entry['path']} ({operation}{about}) -> {entry['status']}, "
            f"answered by {entry['answered_by']}")


def _why(entry: dict) -> list[str]:
    lines: list[str] = []
    scenario: dict[str, Any] | None = entry.get("scenario")
    if scenario:
        step = f", step {scenario['step']}" if "step" in scenario else ""
        lines.append(f"scenario '{scenario['name']}'{step}: {'; '.join(scenario.get('why') or [])}")
        if scenario.get("outcome"):
            lines.append(f"  -> {scenario['outcome']}")
    skipped = entry.get("scenario_skipped")
    if skipped:
        lines.append(f"X-Mock-Scenario '{skipped['scenario']}' skipped: {'; '.join(skipped['why'])}")
    misses = entry.get("nearest_scenarios") or []
    if misses and not scenario:
        lines.append("no scenario matched; nearest:")
    for miss in misses if not scenario else []:
        owner = "this test's" if miss.get("scope") else "the server's"
        lines.append(f"  {owner} '{miss['scenario']}': {'; '.join(miss['failed'])}")
    return lines
