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

from ._cache import ByteCache
from ._lazy import lazy_import

np = lazy_import("numpy")

WORD = re.compile(r"\w+", re.UNICODE)
_CENTRE = 127.5  # mean of a uniform byte
DIRECTION_CACHE_BYTES = 16 * 1024 * 1024  # features recur (words of a corpus): their directions are kept
_directions = ByteCache(DIRECTION_CACHE_BYTES)


def features(item: str | Sequence[int]) -> Counter[str]:
    """Weighted features of a text (words, word pairs) or of a token-id array (ids, id pairs)."""
    if isinstance(item, str):
        units = [w.lower() for w in WORD.findall(item)] or [item.strip().lower()]
    else:
        units = [f"#{int(t)}" for t in item]
    found: Counter[str] = Counter(units)
    found.update(f"{a} {b}" for a, b in zip(units, units[1:]))
    return found


def _direction(feature: str, dims: int, space: str) -> bytes:
    """A pseudo-random byte vector for a feature: one byte per component."""
    key = (space, feature, dims)
    found = _directions.get(key)
    if found is None:
        found = hashlib.shake_256(f"{space}\x1f{feature}".encode()).digest(dims)
        _directions.put(key, found)
    return found


def embed(item: str | Sequence[int], dims: int, *, space: str = "") -> list[float]:
    """A unit vector of length `dims` for a text or token array; `space` (model, seed) picks the geometry."""
    return embed_array(item, dims, space=space).tolist()


def embed_array(item: str | Sequence[int], dims: int, *, space: str = "") -> "np.ndarray":
    """`embed` as a float32 numpy array (what the API's base64 carries; no Python float per component).

    Each feature owns a fixed random direction and a vector is their weighted sum, so shared words make
    vectors closer. A shorter `dims` gives the renormalised prefix of a longer one, as the real API does.
    """
    weights = features(item)
    directions = b"".join([_direction(feature, dims, space) for feature in weights])
    matrix = np.frombuffer(directions, dtype=np.uint8).reshape(len(weights), dims).astype(np.float64)
    # Whole numbers far below 2**53 throughout: the sums are exact in whatever order the product adds them.
    sums = np.fromiter(weights.values(), dtype=np.float64, count=len(weights)) @ matrix
    # Each value is a multiple of 1/2 and each square one of 1/4, so their sum is exact in any order (the dot
    # product's or a plain loop's) while it stays below 2**51: short of one word repeated thousands of times.
    values = sums - _CENTRE * sum(weights.values())
    norm = math.sqrt(float(np.dot(values, values))) or 1.0
    return (values / norm).astype(np.float32)


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
