"""A stable token approximation: one token per word or punctuation mark (with its leading space)."""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections.abc import Sequence
from typing import Any

import orjson

from .errors import MockError

PIECE = re.compile(r"\s*(?:\w+|[^\w\s])|\s+")
ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE62 = bytes(ALPHABET[i % 62] for i in range(256))  # byte -> character (a slight bias is harmless for ids)
# The vocabulary of the embedding and legacy completion models (cl100k_base, special tokens included).
MAX_TOKEN_ID = 100276
_ids = random.Random()  # its own generator: seeding the global one does not repeat ids
os.register_at_fork(after_in_child=_ids.seed)  # a forked worker must not repeat its parent's ids


def split(text: str) -> list[str]:
    """Pieces that concatenate back to exactly `text`; each counts as one token."""
    known, at, tail = _known[0]
    if known is not text:
        return PIECE.findall(text)
    # A reply's text: its stock ending was split already, or `truncate` split all of it.
    pieces = PIECE.findall(text[:at]) if at else []
    pieces += tail
    return pieces


def known_tail(text: str, at: int, pieces: Sequence[str]) -> None:
    """Note that `text[at:]` splits into `pieces` on its own (a stock ending): the next split of `text` runs the
    pattern over `text[:at]` only. Taken where the tail starts with whitespace the head does not end with (a
    piece boundary whatever the rest holds), ignored elsewhere."""
    if 0 < at < len(text) and text[at].isspace() and not text[at - 1].isspace():
        _known[0] = (text, at, pieces)


# ASCII bytes by the class the token pattern sees: w(ord), s(pace), p(unctuation)
CLASSES = bytes(ord("w") if chr(i).isalnum() or chr(i) == "_" else ord("s") if chr(i).isspace() else ord("p")
                for i in range(128)) + b"p" * 128
_last_counted: list[tuple[str, int]] = [("", 0)]  # a reply's text is counted for its limit, then for usage
# A text whose pieces from position `at` on are known: (text, at, those pieces); at 0, all of them.
_known: list[tuple[str, int, Sequence[str]]] = [("", 0, ())]


def count(text: str) -> int:
    """Tokens in a text: what `len(split(text))` gives, counted without building the pieces for ASCII text."""
    if not text:
        return 0
    last = _last_counted[0]
    if last[0] is text:
        return last[1]
    if text.isascii():
        kinds = text.encode("ascii").translate(CLASSES)
        found = (kinds.count(b"sw") + kinds.count(b"pw") + (kinds[0] == 119)  # words; 119: "w"
                 + kinds.count(b"p") + (kinds[-1] == 115))  # punctuation, trailing space (115: "s")
    else:
        found = len(split(text))
    _last_counted[0] = (text, found)
    return found


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
    """The first `limit` tokens of `text`, and whether anything was cut.

    The text given back is remembered with its pieces and count: the reply's usage counts it and a stream
    splits it next. A cut keeps the first `limit` pieces, which split back the same (a piece ends where a word
    or mark ends, whatever follows), so their count is `limit`.
    """
    if text.isascii() and count(text) <= limit:  # counted without building pieces
        return text, False
    pieces = split(text)
    if len(pieces) > limit:
        del pieces[limit:]
        text = "".join(pieces)
        cut = True
    else:
        cut = False
    _last_counted[0] = (text, len(pieces))
    _known[0] = (text, 0, pieces)
    return text, cut


def fragments(text: str, size: int) -> list[str]:
    """Split a string into fixed-size fragments (for streamed tool arguments)."""
    if not text:
        return [""]
    return [text[i:i + size] for i in range(0, len(text), size)]


def stable_id(*parts: Any, length: int = 24) -> str:
    """A deterministic base62 id from its parts (up to 64 characters)."""
    return base62(hashlib.blake2b(repr(parts).encode(), digest_size=max(16, min(length, 64))).digest(), length)


def keyed_id(key: str, kind: bytes, length: int) -> str:
    """A deterministic base62 id of `length` characters (16 to 64) for the reply `key`, one per `kind` of object
    (up to 16 bytes: the hash's personalisation, so a chat id and a message id of one key differ)."""
    return base62(hashlib.blake2b(key.encode(), digest_size=max(16, length), person=kind).digest(), length)


def fresh_hex(size: int) -> str:
    """`size` random bytes as hex, for ids that only need to be unique (no system call, unlike `os.urandom`)."""
    return _ids.getrandbits(size * 8).to_bytes(size, "little").hex()


def base62(digest: bytes, length: int) -> str:
    """The first `length` bytes of a digest as base62 characters."""
    return digest[:length].translate(BASE62).decode()
