"""One test's handle on the mock: its id and API key, the scenarios only it sees, its journal entries."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import SessionServer

KEY_PREFIX = "sk-mock-test-"  # the server ties a key of this form to the test named after it (state/journal.py)
TEST_ID_HEADER = "X-Test-Id"
# The operations that hold a conversation (what the dialects answer themselves): the helpers' default match.
CONVERSATIONS = ("chat:create", "completions:create", "responses:create", "messages:create", "gemini:generate",
                 "gemini:stream_generate")
JOURNAL_FILTERS = ("path", "operation", "scenario", "status", "limit")
_SESSION = secrets.token_hex(4)  # ids differ between runs, so a shared server never mixes two runs' tests
_serial = itertools.count(1)


def new_test_id(nodeid: str, name: str) -> str:
    """A readable id, unique to this run of one test: `test_refund-1a2b3c4d` (safe in headers and keys)."""
    digest = hashlib.blake2b(f"{_SESSION}:{next(_serial)}:{nodeid}".encode(), digest_size=4).hexdigest()
    return f"{slug(name)}-{digest}"


def slug(name: str, limit: int = 48) -> str:
    """`name` with only letters, digits, `_`, `.` and `-` (runs of anything else become one `-`)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:limit] or "test"


class ScenarioRejected(ValueError):
    """The server refused a scenario; the message lists each `source:line: reason`."""


class MockHandle:
    """What a test does with the mock; everything is visible to this test only.

    On a server of its own (`own_server`: recording or replaying), scenarios are the server's and the journal is
    all the test's; while recording (`real_keys`), the SDKs keep the environment's keys, which the upstream needs.
    """

    def __init__(self, server: "SessionServer", test_id: str, *, own_server: bool = False,
                 real_keys: bool = False) -> None:
        self.server = server
        self.test_id = test_id
        self.scope = None if own_server else test_id
        self.real_keys = real_keys
        self._names = itertools.count(1)

    # ------------------------------------------------------------------ where and who

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.server.url

    @property
    def openai_base_url(self) -> str:
        """`base_url` for `openai.OpenAI`."""
        return self.server.openai_base_url

    @property
    def anthropic_base_url(self) -> str:
        """`base_url` for `anthropic.Anthropic`."""
        return self.server.anthropic_base_url

    @property
    def gemini_base_url(self) -> str:
        """`http_options.base_url` for `google.genai.Client`."""
        return self.server.gemini_base_url

    @property
    def api_key(self) -> str | None:
        """The key that ties a client's requests to this test, `sk-mock-test-<test id>` (None while recording:
        an SDK given None reads its key from the environment)."""
        return None if self.real_keys else KEY_PREFIX + self.test_id

    @property
    def headers(self) -> dict[str, str]:
        """The header that ties requests to this test, for clients that keep their own key."""
        return {TEST_ID_HEADER: self.test_id}

    def env(self) -> dict[str, str]:
        """The environment that points the SDKs, as the code under test builds them, at this test's mock."""
        # OPENAI_API_BASE: what LangChain and LlamaIndex read first; ANTHROPIC_API_URL: LangChain's first choice.
        urls = {"OPENAI_BASE_URL": self.openai_base_url, "OPENAI_API_BASE": self.openai_base_url,
                "ANTHROPIC_BASE_URL": self.anthropic_base_url, "ANTHROPIC_API_URL": self.anthropic_base_url,
                "GOOGLE_GEMINI_BASE_URL": self.gemini_base_url}
        if self.real_keys:
            return urls
        keys = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")
        return {**urls, **dict.fromkeys(keys, KEY_PREFIX + self.test_id)}

    # ------------------------------------------------------------------ scenarios

    def scenario(self, scenario: dict | list | str, *, source: str | None = None) -> list[str]:
        """Add scenarios (a mapping, a list, or YAML text in the scenario file format) for this test; their names.

        A scenario with the name of one added before replaces it.
        """
        if isinstance(scenario, str):
            body, content_type = scenario.encode(), "application/yaml"
        else:
            body, content_type = json.dumps(scenario).encode(), "application/json"
        params = {**({"scope": self.scope} if self.scope else {}), **({"source": source} if source else {})}
        answer = self.server.control.post("/_mock/scenarios", params=params, content=body,
                                          headers={"content-type": content_type})
        if answer.status_code != 201:
            error = answer.json().get("error", {})
            raise ScenarioRejected("\n".join(error.get("errors") or [error.get("message", answer.text)]))
        return answer.json()["added"]

    def scenario_file(self, path: str | Path) -> list[str]:
        """Add the scenarios of a file for this test (errors name the file and line)."""
        path = Path(path)
        return self.scenario(path.read_text(encoding="utf-8"), source=str(path))

    def scenarios(self) -> list[dict]:
        """This test's scenarios, as `GET /_mock/scenarios` describes them."""
        if self.scope is None:  # the test's own server: its scenarios but the shipped ones
            from ..settings import shipped
            answer = self.server.control.get("/_mock/scenarios")
            answer.raise_for_status()
            return [s for s in answer.json()["data"] if not s["source"].startswith(str(shipped("scenarios")))]
        answer = self.server.control.get("/_mock/scenarios", params={"scope": self.scope})
        answer.raise_for_status()
        return answer.json()["data"]

    def clear(self) -> None:
        """Remove this test's scenarios (and their sequence positions)."""
        if self.scope is None:
            self.server.control.post("/_mock/scenarios/reset").raise_for_status()
        else:
            self.server.control.delete("/_mock/scenarios", params={"scope": self.scope}).raise_for_status()

    def reply(self, text: str | None = None, *, match: dict | None = None, name: str | None = None,
              **reply: Any) -> str:
        """Answer this test's conversations (or those `match` selects) with this reply; the scenario's name.

        `match` takes the scenario `match` keys; without `operation` it means the conversation operations
        (chat, completions, responses, messages, Gemini generate), `operation: None` every operation.

        `reply` takes the scenario `reply` keys: `tool_calls`, `refusal`, `reasoning`, `finish`, `usage`, `model`.
        """
        if text is not None:
            reply["text"] = text
        return self._add("reply", name, match, {"reply": reply})

    def fail(self, status: int = 429, times: int = 1, *, then: str | dict | None = None, match: dict | None = None,
             name: str | None = None, retry_after_ms: float | None = 10, **fault: Any) -> str:
        """`times` errors of `status`, then success: the default reply, or `then` (a text or a reply mapping).

        `retry_after_ms` (`retry-after-ms`, which the SDKs honour) keeps their retries fast; `fault` takes the
        scenario `fault` keys (`message`, `code`, `type`, `headers`, `should_retry`, `retry_after`, ...).
        """
        fault = {"status": status, **fault}
        if retry_after_ms is not None:
            fault.setdefault("retry_after_ms", retry_after_ms)
        after = {"pass": True} if then is None else {"reply": {"text": then} if isinstance(then, str) else then}
        return self._add("fail", name, match, {"sequence": [{"fault": fault}] * times + [after]})

    def slow_stream(self, text: str | None = None, *, ttft_ms: float = 1000, tokens_per_second: float = 20,
                    match: dict | None = None, name: str | None = None, **stream: Any) -> str:
        """Streams that wait `ttft_ms` for the first token, then send `tokens_per_second`; other `stream` keys
        (`jitter_ms`, `keepalive_ms`, `chunk_size`) as given."""
        step: dict[str, Any] = {"stream": {"ttft_ms": ttft_ms, "tokens_per_second": tokens_per_second, **stream}}
        if text is not None:
            step["reply"] = {"text": text}
        return self._add("slow-stream", name, match, step)

    def dying_stream(self, after: int = 3, *, stop: str = "reset", error: int | dict | None = None,
                     text: str | None = None, match: dict | None = None, name: str | None = None) -> str:
        """Streams that die after `after` events: the connection cut (`stop="reset"`), a clean early end
        (`"clean"`), or with `error` (a status or a `{status, message, type}` mapping) the dialect's mid-stream
        error event."""
        if error is None:
            plan: dict[str, Any] = {"stop_after": after, "stop": stop}
        else:
            plan = {"error_at": after, "error": {"status": error} if isinstance(error, int) else error}
        step: dict[str, Any] = {"stream": plan}
        if text is not None:
            step["reply"] = {"text": text}
        return self._add("dying-stream", name, match, step)

    def _add(self, kind: str, name: str | None, match: dict | None, body: dict) -> str:
        match = dict(match or {})
        match.setdefault("operation", list(CONVERSATIONS))
        if match["operation"] is None:  # every operation
            del match["operation"]
        return self.scenario({"name": name or f"{kind}-{next(self._names)}", "match": match, **body})[0]

    # ------------------------------------------------------------------ journal

    def requests(self, **filters: Any) -> list[dict]:
        """This test's journal entries, oldest first, as `GET /_mock/requests` lists them.

        Filters: `path` (may end with `*`), `operation`, `scenario`, `status`, `limit`.
        """
        unknown = set(filters) - set(JOURNAL_FILTERS)
        if unknown:
            raise TypeError(f"unknown journal filter(s) {', '.join(sorted(unknown))}; "
                            f"known: {', '.join(JOURNAL_FILTERS)}")
        params = {**({"test_id": self.scope} if self.scope else {}),
                  **{k: str(v) for k, v in filters.items() if v is not None}}
        answer = self.server.control.get("/_mock/requests", params=params)
        answer.raise_for_status()
        return answer.json()["data"]
