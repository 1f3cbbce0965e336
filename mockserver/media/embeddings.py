"""Deterministic unit embedding vectors: texts that share words get closer vectors."""

from __future__ import annotations

import base64
import hashlib
import math
import re
import sys
from array import array
from collections import Counter
from collections.abc import Sequence

from ._cache import TableCache
from ._lazy import lazy_import

np = lazy_import("numpy")

WORD = re.compile(r"\w+", re.UNICODE)
# For ASCII text: word characters lower-cased, any other a space, so splitting finds what WORD finds
ASCII_WORDS = bytes(ord(chr(c).lower()) if chr(c).isalnum() or c == 95 else 32 for c in range(256))
DIRECTION_CACHE_BYTES = 16 * 1024 * 1024  # features recur (words of a corpus): their directions are kept
_directions = TableCache(DIRECTION_CACHE_BYTES)  # one table per (model, seed) space and length
# While a text's total feature weight stays at most this, every partial sum of its float32 products (odd whole
# numbers up to 255 in size, times a weight) is a whole number below 2**24: float32 adds them exactly.
FLOAT32_EXACT_WEIGHT = 2**24 // 255
MAX_ROWS = 256  # up to this many feature occurrences, a repeated feature is one row per occurrence (no counting)
_ones: "np.ndarray | None" = None  # a float32 row of ones, made on first use (numpy loads lazily)


def features(item: str | Sequence[int]) -> list[bytes]:
    """Each feature occurrence of a text (its words, then word pairs) or of a token-id array (ids, id pairs)."""
    if isinstance(item, str):
        if item.isascii():
            units = item.encode().translate(ASCII_WORDS).split()
        else:
            units = [w.lower().encode() for w in WORD.findall(item)]
        units = units or [item.strip().lower().encode()]
    else:
        units = [b"#%d" % int(t) for t in item]
    return units + list(map(b" ".join, zip(units, units[1:])))


def _ones_row(n: int) -> "np.ndarray":
    """n float32 ones: the weights of n feature occurrences."""
    global _ones
    if _ones is None or len(_ones) < n:
        _ones = np.ones(max(n, MAX_ROWS), dtype=np.float32)
    return _ones[:n]


def _direction(prefix: bytes, feature: bytes, dims: int) -> bytes:
    """A feature's fixed random direction: one pseudo-random byte b per component, kept as float32 2b - 255."""
    found = np.frombuffer(hashlib.shake_256(prefix + feature).digest(dims), dtype=np.uint8)
    return (found * np.float32(2) - np.float32(255)).tobytes()


def _directions_of(names: list[bytes], dims: int, space: str) -> list[bytes]:
    """The direction of each feature, from the cache or made (and kept)."""
    table = (space, dims)
    found = _directions.get_many(table, names)
    if None in found:
        prefix, made = f"{space}\x1f".encode(), {}
        for i, direction in enumerate(found):
            if direction is None:
                name = names[i]
                if name not in made:
                    made[name] = _direction(prefix, name, dims)
                    _directions.put(table, name, made[name])
                found[i] = made[name]
    return found


def embed(item: str | Sequence[int], dims: int, *, space: str = "") -> list[float]:
    """A unit vector of length `dims` for a text or token array; `space` (model, seed) picks the geometry."""
    return embed_array(item, dims, space=space).tolist()


def embed_array(item: str | Sequence[int], dims: int, *, space: str = "") -> "np.ndarray":
    """`embed` as a float32 numpy array (what the API's base64 carries; no Python float per component).

    Each feature owns a fixed random direction and a vector is their weighted sum, so shared words make
    vectors closer. A shorter `dims` gives the renormalised prefix of a longer one, as the real API does.
    """
    names = features(item)
    total = len(names)
    if total <= MAX_ROWS:  # a short text: a repeated feature adds its row again
        weights = _ones_row(total)
    else:
        counted = Counter(names)
        names = list(counted)
        weights = np.array(list(counted.values()), dtype=np.float32)
    matrix = np.frombuffer(b"".join(_directions_of(names, dims, space)), dtype=np.float32).reshape(len(names), dims)
    # Whole numbers throughout: every sum below is exact, whatever order the product adds them in.
    if total <= FLOAT32_EXACT_WEIGHT:
        sums = np.dot(weights, matrix).astype(np.float64)
    else:
        sums = np.dot(weights.astype(np.float64), matrix.astype(np.float64))
    # Each square is a whole number, so their sum is exact in any order while it stays below 2**53: short of one
    # word repeated thousands of times. Summing 2b - 255 rather than b - 127.5 doubles the sums and their norm
    # alike, which leaves every quotient as it was.
    norm = math.sqrt(float(np.dot(sums, sums))) or 1.0
    return (sums / norm).astype(np.float32)


def to_base64(vector: "Sequence[float] | np.ndarray") -> str:
    """Little-endian float32 bytes of a vector, base64-encoded (`encoding_format: base64`)."""
    if isinstance(vector, np.ndarray):
        return base64.b64encode(vector.astype("<f4").tobytes()).decode()
    packed = array("f", vector)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode()


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors."""
    dot = sum(x * y for x, y in zip(a, b))
    return dot / ((math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))) or 1.0)
