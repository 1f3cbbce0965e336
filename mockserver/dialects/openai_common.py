"""Pieces the OpenAI text dialects share: request keys, ids, fingerprints, usage and logprobs."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

import orjson

from ..core import tokens
from ..core.context import RequestContext
from ..core.reply import Usage

# Fields that change how an answer is delivered, not what it says.
DELIVERY_FIELDS = ("stream", "stream_options", "user", "metadata", "store", "safety_identifier")
FILLERS = (" the", " a", " and", ",", ".", " I", " is", " to", " of", " it")


def reply_key(ctx: RequestContext, ignore: tuple[str, ...] = DELIVERY_FIELDS) -> str:
    """A stable key for the request's content: same body (any key order, streamed or not) + `--seed` → same key."""
    body = ctx.body or {}
    if not body.keys().isdisjoint(ignore):
        body = {k: v for k, v in body.items() if k not in ignore}
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS) + b"#%d" % ctx.seed
    return tokens.base62(hashlib.blake2b(canonical, digest_size=20).digest(), 20)


@lru_cache(maxsize=1024)
def system_fingerprint(model: str, seed: int) -> str:
    """`fp_` + 10 hex digits: stable for a model and server seed, like one backend configuration."""
    return "fp_" + hashlib.blake2b(f"{model}:{seed}".encode(), digest_size=5).hexdigest()


PROCESSING = {"openai-processing-ms": "1"}


def response_headers() -> dict[str, str]:
    """Headers OpenAI sends with every answer besides the request id (which the pipeline stamps)."""
    return dict(PROCESSING)


def wants_usage_in_stream(body: dict) -> bool:
    """`stream_options.include_usage` is true."""
    options = body.get("stream_options") or {}
    return isinstance(options, dict) and options.get("include_usage") is True


def usage_body(usage: Usage, *, prompt_audio: int = 0, completion_audio: int = 0) -> dict:
    """OpenAI's `usage` object with both `*_details` objects."""
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens + completion_audio,
        "total_tokens": usage.total_tokens + completion_audio,
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens, "audio_tokens": prompt_audio},
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens, "audio_tokens": completion_audio,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }


def logprob(key: str, position: int, token: str) -> float:
    """A deterministic log probability in (-2.5, 0) for a token at a position."""
    digest = hashlib.blake2b(f"{key}:{position}:{token}".encode(), digest_size=4).digest()
    return -round(int.from_bytes(digest, "big") % 2_500_000 / 1_000_000 + 0.000001, 7)


def alternatives(token: str, key: str, position: int, count: int) -> list[tuple[str, float]]:
    """The token first, then `count - 1` distinct plausible alternatives with lower log probabilities."""
    chosen = logprob(key, position, token)
    pool = [token, token.lower(), token.capitalize(), token.upper(), token.strip(), " " + token.strip(), *FILLERS]
    seen: list[str] = []
    for option in pool:
        if option and option not in seen:
            seen.append(option)
        if len(seen) >= count:
            break
    out = [(token, chosen)]
    for rank, option in enumerate(seen[1:count], start=1):
        out.append((option, round(chosen - 1.5 * rank - abs(logprob(key, position, option)) / 10, 7)))
    return out


def token_logprob(token: str, key: str, position: int, top: int) -> dict[str, Any]:
    """One Chat Completions logprob entry (`token`, `logprob`, `bytes`, `top_logprobs`)."""
    entry: dict[str, Any] = {"token": token, "logprob": logprob(key, position, token),
                             "bytes": list(token.encode()), "top_logprobs": []}
    if top:
        entry["top_logprobs"] = [{"token": t, "logprob": lp, "bytes": list(t.encode())}
                                 for t, lp in alternatives(token, key, position, top)]
    return entry
