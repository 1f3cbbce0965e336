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
from itertools import repeat
from operator import mul, sub, truediv

from ._cache import ByteCache

WORD = re.compile(r"\w+", re.UNICODE)
_LANE = 4  # bytes per component while summing (a feature adds at most 255 to each)
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


def _direction(feature: str, dims: int, space: str) -> int:
    """A pseudo-random byte vector for a feature, packed into one lane per component of a big int."""
    key = (space, feature, dims)
    found = _directions.get(key)
    if found is None:
        digest = hashlib.shake_256(f"{space}\x1f{feature}".encode()).digest(dims)
        lanes = bytearray(_LANE * dims)
        lanes[0::_LANE] = digest
        found = int.from_bytes(lanes, "little")
        _directions.put(key, found)
    return found


def embed(item: str | Sequence[int], dims: int, *, space: str = "") -> list[float]:
    """A unit vector of length `dims` for a text or token array; `space` (model, seed) picks the geometry.

    Each feature owns a fixed random direction and a vector is their weighted sum, so shared words make
    vectors closer. A shorter `dims` gives the renormalised prefix of a longer one, as the real API does.
    """
    weights = features(item)
    total = 0
    for feature, weight in weights.items():
        total += weight * _direction(feature, dims, space)  # big-int lanes: one C-speed add per feature
    sums = array("I", total.to_bytes(_LANE * dims, "little"))
    if sys.byteorder == "big":
        sums.byteswap()
    offset = _CENTRE * sum(weights.values())
    # Component-wise in C (map over operator functions), no Python loop over the components. The squares are
    # multiples of 1/4 below 2**45, so their sum is exact in any order.
    values = list(map(sub, sums, repeat(offset, dims)))
    norm = math.sqrt(sum(map(mul, values, values))) or 1.0
    return array("f", map(truediv, values, repeat(norm, dims))).tolist()  # float32, as the API's base64 carries


def to_base64(vector: Sequence[float]) -> str:
    """Little-endian float32 bytes of a vector, base64-encoded (`encoding_format: base64`)."""
    packed = array("f", vector)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode()


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors."""
    dot = sum(x * y for x, y in zip(a, b))
    return dot / ((math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))) or 1.0)
