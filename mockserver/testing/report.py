"""A failing test's journal as text: each request, what answered it, and why no scenario of the test did."""

from __future__ import annotations

from typing import Any

TITLE = "mockserver journal"


def journal_text(entries: list[dict], test_id: str, api_key: str) -> str:
    """The report section of one test."""
    if not entries:
        return (f"No request of this test reached the mock. Requests belong to the test by the key {api_key} "
                f"(what the mock fixture puts in OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY) or the "
                f"header X-Test-Id: {test_id}; a client with another key or base URL talks to someone else.")
    lines = [f"{len(entries)} request(s) of test id {test_id}, oldest first:"]
    for number, entry in enumerate(entries, 1):
        lines.append(f"{number}. {_request_line(entry)}")
        lines.extend(f"     {line}" for line in _why(entry))
    return "\n".join(lines)


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
