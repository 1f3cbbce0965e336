"""A stable token approximation: one token per word or punctuation mark (with its leading space)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

PIECE = re.compile(r"\s*(?:\w+|[^\w\s])|\s+")
ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE62 = bytes(ALPHABET[i % 62] for i in range(256))  # byte -> character (a slight bias is harmless for ids)


def split(text: str) -> list[str]:
    """Pieces that concatenate back to exactly `text`; each counts as one token."""
    return PIECE.findall(text)


def count(text: str) -> int:
    """Tokens in a text."""
    return len(PIECE.findall(text)) if text else 0


def count_json(value: Any) -> int:
    """Tokens in a JSON value as it would be serialised."""
    return count(orjson.dumps(value).decode()) if value is not None else 0


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
    """A deterministic base62 id from its parts (up to 64 characters)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=max(16, min(length, 64))).digest()
    return digest[:length].translate(BASE62).decode()
