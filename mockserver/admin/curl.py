"""A journaled request as a curl command line (keys replaced by `$API_KEY`, defaulting to a test key)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson

from ..state.journal import SECRET_HEADERS, SECRET_QUERY

KEY = "${API_KEY:-sk-test}"
# Set by curl itself, or by the SDK for its own bookkeeping: noise in a command to paste.
SKIPPED = {"host", "content-length", "connection", "accept-encoding", "user-agent", "origin", "referer"}
SKIPPED_PREFIXES = ("x-stainless-", "sec-")


def quote(text: str) -> str:
    """Single-quoted for a POSIX shell."""
    return "'" + text.replace("'", "'\\''") + "'"


def curl_for(entry: dict[str, Any], base_url: str) -> str:
    """The curl command that sends `entry`'s request again (the journal's summary or full form)."""
    query = {k: (KEY if k.lower() in SECRET_QUERY else v) for k, v in (entry.get("query") or {}).items()}
    url = base_url.rstrip("/") + entry["path"] + ("?" + urlencode(query, safe="${}:-") if query else "")
    lines = [f"curl -sS{'N' if entry.get('stream') else ''} -X {entry['method']} " +
             (f'"{url}"' if KEY in url else quote(url))]
    headers = entry.get("headers") or {}
    form = _is_form(headers)
    for name, value in headers.items():
        if name in SKIPPED or name.startswith(SKIPPED_PREFIXES) or (form and name == "content-type"):
            continue
        if name in SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] + " " if " " in value else ""
            lines.append(f'-H "{name}: {scheme}{KEY}"')
        else:
            lines.append("-H " + quote(f"{name}: {value}"))
    lines += _body(entry.get("body"), form)
    return " \\\n  ".join(lines) + "\n"


def _is_form(headers: dict[str, str]) -> bool:
    return headers.get("content-type", "").startswith(("multipart/form-data", "application/x-www-form-urlencoded"))


def _body(body: Any, form: bool) -> list[str]:
    if body is None:
        return []
    if form and isinstance(body, dict):
        fields = []
        for name, value in body.items():
            for item in value if isinstance(value, list) else [value]:
                text = item if isinstance(item, str) else orjson.dumps(item).decode()
                fields.append("-F " + quote(f"{name}={text}"))
        return fields
    text = body if isinstance(body, str) else orjson.dumps(body).decode()
    return ["--data-raw " + quote(text)]
