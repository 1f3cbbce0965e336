"""Seed hashing shared by the media renderers."""

from __future__ import annotations

import hashlib


def seed_bytes(*parts: object) -> bytes:
    """Return 32 stable bytes derived from the given parts (seed, format, size...)."""
    text = "\x1f".join(repr(p) if not isinstance(p, str) else p for p in parts)
    return hashlib.sha256(text.encode("utf-8")).digest()
