"""Deterministic unit embedding vectors: texts that share words get closer vectors."""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import re
import zlib
from array import array
from collections import Counter
from collections.abc import Sequence
from itertools import repeat

from ._lazy import lazy_import

np = lazy_import("numpy")

WORD = re.compile(r"\w+", re.UNICODE)
# For ASCII text: word characters lower-cased, any other a space, so splitting finds what WORD finds
ASCII_WORDS = bytes(ord(chr(c).lower()) if chr(c).isalnum() or c == 95 else 32 for c in range(256))
# A feature's direction is a window of one fixed table of random components, starting at one of 2**POOL_BITS
# places that a hash of (space, feature) picks: a 16 MiB table made once, then no per-feature work or cache.
POOL_BITS = 22
MAX_DIMENSIONS = 4096  # the longest window, so the longest vector
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


@functools.cache
def _table() -> "np.ndarray":
    """The random components: 2b - 255 for each byte b of a fixed shake_256 stream, as float32 (the same
    everywhere, so a vector is too)."""
    raw = hashlib.shake_256(b"mockserver embedding directions").digest((1 << POOL_BITS) + MAX_DIMENSIONS - 1)
    return np.frombuffer(raw, dtype=np.uint8) * np.float32(2) - np.float32(255)


@functools.lru_cache(maxsize=64)
def _windows(dims: int) -> "np.ndarray":
    """Every direction of length `dims`: row i is the table's components i to i + dims (a view, nothing copied)."""
    return np.lib.stride_tricks.sliding_window_view(_table(), MAX_DIMENSIONS)[:, :dims]


def _starts(names: list[bytes], space: str) -> "np.ndarray":
    """Where each feature's direction starts: the top POOL_BITS bits of the CRC-32 of the space, a separator
    and the feature."""
    hashes = array("I", map(zlib.crc32, names, repeat(zlib.crc32(f"{space}\x1f".encode()))))
    return np.frombuffer(hashes, dtype=np.uint32) >> (32 - POOL_BITS)


def embed_array(item: str | Sequence[int], dims: int, *, space: str = "") -> "np.ndarray":
    """A unit float32 vector of length `dims` for a text or token array; `space` (model, seed) picks the geometry.

    Each feature owns a fixed random direction and a vector is their weighted sum, so shared words make
    vectors closer. A shorter `dims` gives the renormalised prefix of a longer one, as the real API does.
    """
    if dims > MAX_DIMENSIONS:
        raise ValueError(f"at most {MAX_DIMENSIONS} dimensions, not {dims}")
    names = features(item)
    total = len(names)
    if total <= MAX_ROWS:  # a short text: a repeated feature adds its row again
        weights = _ones_row(total)
    else:
        counted = Counter(names)
        names = list(counted)
        weights = np.array(list(counted.values()), dtype=np.float32)
    matrix = _windows(dims)[_starts(names, space)]  # one row per feature
    # Whole numbers throughout: every sum below is exact, whatever order the product adds them in.
    if total <= FLOAT32_EXACT_WEIGHT:
        sums = np.dot(weights, matrix)
        wide = sums.astype(np.float64)
    else:
        sums = wide = np.dot(weights.astype(np.float64), matrix.astype(np.float64))
    # Each square is a whole number, so their sum is exact in any order while it stays below 2**53 (short of one
    # word repeated thousands of times); the scaling is one rounded float32 product per component.
    norm = math.sqrt(float(np.dot(wide, wide))) or 1.0
    return np.multiply(sums, np.float32(1 / norm), dtype=np.float32)


def to_base64(vector: "np.ndarray") -> str:
    """Little-endian float32 bytes of a vector, base64-encoded (`encoding_format: base64`)."""
    return base64.b64encode(vector.astype("<f4", copy=False).tobytes()).decode()
