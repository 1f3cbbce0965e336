"""The admin key: with `--admin-key` (or, without it, `--api-key`) the dashboard and control API need a key.

Open to everyone whatever the keys: health, the media asset links and a recording's media files (public like CDN
links), the dashboard's static files (code, no data) and the served spec.
"""

from __future__ import annotations

import hmac
from typing import Any

import orjson

from ..core.context import header_dict
from ..pipeline.auth import extract_key

OPEN = ("/_mock/health", "/_mock/assets/", "/_mock/recordings/", "/_mock/static/")
MESSAGE = ("The mock's dashboard and control API need an admin key (--admin-key, or one of the --api-key keys): "
           "send it as 'Authorization: Bearer KEY', 'x-api-key: KEY' or '?key=KEY'.")
PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mockserver: admin key</title>
<style>body{font:15px system-ui,sans-serif;margin:4rem auto;max-width:32rem;color:#1d2330}
input{font:inherit;padding:.4rem;width:20rem}button{font:inherit;padding:.4rem .8rem}</style></head>
<body><h1>mockserver dashboard</h1><p>This server was started with an admin key (<code>--admin-key</code>, or
<code>--api-key</code>). Enter it to open the dashboard.</p>
<form method="get" action=""><input id="key" name="key" type="password" placeholder="admin key" autofocus>
<button type="submit">Open</button></form></body></html>"""


def protected(path: str) -> bool:
    """Whether a path needs the admin key (when one is set)."""
    return (path == "/_mock" or path.startswith("/_mock/")) and not path.startswith(OPEN)


class AdminGuard:
    """ASGI wrapper of the admin app: a 401 (JSON, or a key form for a browser) without an admin key."""

    def __init__(self, app: Any, keys: tuple[str, ...]) -> None:
        self.app = app
        self.keys = tuple(k.encode() for k in keys)

    def allows(self, headers: dict[str, str], query_string: bytes) -> bool:
        """Whether the request carries one of the keys."""
        key = extract_key(headers, query_string)
        return key is not None and any(hmac.compare_digest(key.encode(), k) for k in self.keys)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if not self.keys or scope["type"] != "http" or not protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = header_dict(scope["headers"])
        if self.allows(headers, scope.get("query_string", b"")):
            await self.app(scope, receive, send)
            return
        page = scope["method"] == "GET" and "text/html" in headers.get("accept", "")
        body = PAGE if page else orjson.dumps({"error": {"message": MESSAGE, "type": "invalid_request_error",
                                                          "code": "admin_key_required"}})
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"text/html; charset=utf-8" if page else b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Bearer realm="mockserver admin"')]})
        await send({"type": "http.response.body", "body": body})
