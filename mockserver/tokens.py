"""A stable token approximation: one token per word or punctuation mark (with its leading space)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

from .errors import MockError

PIECE = re.compile(r"\s*\w+|\s*[^\w\s]|\s+", re.UNICODE)
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# The vocabulary of the embedding and legacy completion models (cl100k_base, special tokens included).
MAX_TOKEN_ID = 100276


def split(text: str) -> list[str]:
    """Pieces that concatenate back to exactly `text`; each counts as one token."""
    return PIECE.findall(text)


def count(text: str) -> int:
    """Tokens in a text."""
    return len(PIECE.findall(text)) if text else 0


def count_json(value: Any) -> int:
    """Tokens in a JSON value as it would be serialised."""
    return count(orjson.dumps(value).decode()) if value is not None else 0


def is_token_ids(value: Any) -> bool:
    """A non-empty list of numbers (an id beyond 64 bits arrives as a float: it is still meant as an id)."""
    return isinstance(value, list) and bool(value) and all(
        isinstance(t, (int, float)) and not isinstance(t, bool) for t in value)


def check_token_ids(ids: list[int | float], param: str) -> None:
    """A token id outside the vocabulary is a 400 naming `param`, as on the real API."""
    bad = next((t for t in ids if not 0 <= t <= MAX_TOKEN_ID), None)
    if bad is not None:
        raise MockError(400, f"Invalid token id {bad:.0f} in '{param}': token ids are non-negative integers "
                             f"no larger than {MAX_TOKEN_ID}.", param=param, code="invalid_value")


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """The first `limit` tokens of `text`, and whether anything was cut."""
    pieces = split(text)
    if len(pieces) <= limit:
        return text, False
    return "".join(pieces[:limit]), True


def fragments(text: str, size: int) -> list[str]:
    """Split a string into fixed-size fragments (for streamed tool arguments)."""
    if not text:
        return [""]
    return [text[i:i + size] for i in range(0, len(text), size)]


def stable_id(*parts: Any, length: int = 24) -> str:
    """A deterministic base62 id from its parts."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=24).digest()
    number = int.from_bytes(digest, "big")
    out = []
    while len(out) < length:
        number, rem = divmod(number, 62)
        out.append(ALPHABET[rem])
    return "".join(out)
