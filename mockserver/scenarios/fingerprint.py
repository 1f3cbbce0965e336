"""A canonical request fingerprint: the same request gives the same digest whatever its key order or whitespace."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import orjson

from ..state.journal import SECRET_QUERY

if TYPE_CHECKING:
    from ..core.context import RequestContext

DIGEST_BYTES = 10  # 20 hex characters: short enough to read, long enough never to collide in one recording set


def request_fingerprint(ctx: "RequestContext") -> str:
    """A digest of what identifies a request: its path parameters, its query (keys left out) and its body.

    JSON bodies are hashed as values (keys sorted, no whitespace), forms as their fields plus a digest of
    each uploaded file, anything else as its bytes.
    """
    query = sorted((k, v) for k, v in ctx.query.items() if k.lower() not in SECRET_QUERY)
    canonical = {"path": ctx.path_params, "query": query, "body": _body(ctx)}
    data = orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.blake2b(data, digest_size=DIGEST_BYTES).hexdigest()


def _body(ctx: "RequestContext") -> Any:
    if ctx.files:
        fields = {k: v for k, v in (ctx.body or {}).items() if k not in ctx.files}
        files = {name: [_file_digest(f) for f in uploads] for name, uploads in ctx.files.items()}
        return {"fields": fields, "files": files}
    if ctx.body is not None:
        return ctx.body
    if not ctx.raw_body:
        return None
    try:
        return orjson.loads(ctx.raw_body)
    except orjson.JSONDecodeError:
        return {"bytes": hashlib.blake2b(ctx.raw_body, digest_size=16).hexdigest()}


def _file_digest(upload: Any) -> str:
    handle = upload.file
    position = handle.tell()
    handle.seek(0)
    digest = hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
    handle.seek(position)
    return digest
