"""Anthropic prompt caching, emulated: a `cache_control` breakpoint writes its prefix once; later requests read it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from ..core.context import RequestContext
from ..core.reply import Reply
from .anthropic import prefix_tokens

MIN_CACHEABLE_TOKENS = 1024
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}


@dataclass
class Breakpoint:
    """A cacheable prefix: its digest, its size in tokens and how long it lives."""

    digest: str
    tokens: int
    ttl: float


async def apply(ctx: RequestContext, reply: Reply) -> None:
    """Set the reply's cache read / write counts from this server's cache, then refresh the cache."""
    raw = ctx.raw_body
    if b"cache_control" not in raw and b"\\u" not in raw:  # no breakpoint (a key could hide behind \u escapes)
        return
    body = ctx.body or {}
    points = [p for p in breakpoints(body) if p.tokens >= MIN_CACHEABLE_TOKENS]
    if not points:
        return
    cache = ctx.services.state.prompt_cache
    hits = [p.tokens for p in points if await cache.get(f"anthropic:{p.digest}")]
    read = max(hits, default=0)
    reply.usage.cached_tokens = read
    reply.usage.cache_creation_tokens = max(0, max(p.tokens for p in points) - read)
    for point in points:
        await cache.put(f"anthropic:{point.digest}", True, point.ttl)


def breakpoints(body: dict) -> list[Breakpoint]:
    """Every prefix a `cache_control` marks, in the API's order: tools, then system, then messages."""
    tools, system, messages = body.get("tools") or [], body.get("system"), body.get("messages") or []
    found: list[tuple[dict, Any]] = []
    for i, tool in enumerate(tools):
        if tool.get("cache_control"):
            found.append(({"tools": tools[:i + 1]}, tool["cache_control"]))
    for j, block in enumerate(system if isinstance(system, list) else []):
        if block.get("cache_control"):
            found.append(({"tools": tools, "system": system[:j + 1]}, block["cache_control"]))
    for i, message in enumerate(messages):
        content = message.get("content")
        for j, block in enumerate(content if isinstance(content, list) else []):
            if isinstance(block, dict) and block.get("cache_control"):
                cut = [*messages[:i], {**message, "content": content[:j + 1]}]
                found.append(({"tools": tools, "system": system, "messages": cut}, block["cache_control"]))
    return [_breakpoint(body.get("model"), prefix, control) for prefix, control in found]


def _breakpoint(model: Any, prefix: dict, control: Any) -> Breakpoint:
    prefix = {"model": model, **prefix}
    digest = hashlib.blake2b(orjson.dumps(prefix, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()
    ttl = TTL_SECONDS.get(control.get("ttl", "5m") if isinstance(control, dict) else "5m", 300.0)
    return Breakpoint(digest=digest, tokens=prefix_tokens(prefix), ttl=ttl)
