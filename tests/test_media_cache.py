"""In-process: media render caches are bounded by the bytes they hold, not by a count of entries."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator

import pytest
from PIL import Image

from mockserver.media import audio, embeddings, images, render_audio, render_image, video
from mockserver.media._cache import ENTRY_OVERHEAD, ByteCache, TableCache, byte_cache, held_bytes


def test_oldest_go_first_once_the_bytes_exceed_the_bound() -> None:
    one = held_bytes(("a",), b"x" * 1000)
    cache = ByteCache(3 * one)
    for key in "abc":
        cache.put((key,), b"x" * 1000)
    assert cache.get(("a",)) == b"x" * 1000  # now the most recently used: "b" is the oldest
    cache.put(("d",), b"x" * 1000)
    assert cache.get(("b",)) is None
    assert [cache.get((k,)) is not None for k in "acd"] == [True, True, True]
    assert cache.bytes == 3 * one <= cache.max_bytes and len(cache) == 3


def test_a_value_larger_than_the_bound_is_returned_but_not_kept() -> None:
    calls: list[int] = []

    @byte_cache(10_000)
    def make(n: int) -> bytes:
        calls.append(n)
        return b"y" * n

    assert make(50_000) == b"y" * 50_000
    assert make(50_000) == b"y" * 50_000
    assert calls == [50_000, 50_000] and make.cache.bytes == 0 and len(make.cache) == 0
    assert make(100) == make(100) and calls[-1] == 100 and len(make.cache) == 1


def test_long_keys_count_against_the_bound() -> None:
    cache = ByteCache(100_000)
    for i in range(10):
        cache.put((f"{i}" + "k" * 30_000,), b"")  # small values, large keys (a long prompt drawn into a picture)
    assert cache.bytes <= cache.max_bytes and len(cache) == 3


def test_replacing_a_key_does_not_count_it_twice() -> None:
    cache = ByteCache(1_000_000)
    cache.put(("k",), b"a" * 500)
    cache.put(("k",), b"b" * 700)
    assert cache.get(("k",)) == b"b" * 700 and cache.bytes == held_bytes(("k",), b"b" * 700)
    cache.clear()
    assert cache.bytes == 0 and cache.get(("k",)) is None


def test_table_cache_drops_the_least_recently_used_across_tables_down_to_three_quarters() -> None:
    value = b"v" * 1000
    one = sys.getsizeof(value) + sys.getsizeof("a0") + ENTRY_OVERHEAD
    cache = TableCache(8 * one)
    for i in range(4):
        cache.put("a", f"a{i}", value)
        cache.put("b", f"b{i}", value)
    assert len(cache) == 8 and cache.bytes == 8 * one
    assert cache.get_many("a", ["a0", "a1", "zz"]) == [value, value, None]  # a0, a1: now the most recently used
    assert cache.get_many("b", ["b3"]) == [value] and cache.get_many("c", ["a0"]) == [None]
    cache.put("a", "a4", value)  # over the bound: the least recently used go until six entries are left
    assert cache.bytes == 6 * one and len(cache) == 6
    kept = {t: cache.get_many(t, [f"{t}{i}" for i in range(5)]) for t in "ab"}
    assert kept == {"a": [value, value, None, value, value], "b": [None, None, value, value, None]}


def test_table_cache_keeps_nothing_larger_than_the_bound_and_counts_a_replaced_key_once() -> None:
    cache = TableCache(5_000)
    cache.put("t", "big", b"x" * 6_000)
    assert cache.get_many("t", ["big"]) == [None] and cache.bytes == 0
    cache.put("t", "k", b"a" * 500)
    cache.put("t", "k", b"b" * 700)
    assert cache.get_many("t", ["k"]) == [b"b" * 700] and len(cache) == 1
    assert cache.bytes == sys.getsizeof(b"b" * 700) + sys.getsizeof("k") + ENTRY_OVERHEAD
    cache.clear()
    assert cache.bytes == 0 and len(cache) == 0 and cache.get_many("t", ["k"]) == [None]


@pytest.fixture
def small_image_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[ByteCache]:
    cache = images._render.cache
    cache.clear()
    monkeypatch.setattr(cache, "max_bytes", 3 * held_bytes((256, 256, "PNG", "seed-00", None), render_image(256, 256)))
    yield cache
    cache.clear()


def test_image_renders_stay_within_the_bound_and_the_same_bytes_come_back(small_image_cache: ByteCache) -> None:
    first = render_image(256, 256, "png", "seed-00")
    for i in range(12):
        render_image(256, 256, "png", f"seed-{i:02}")
        assert small_image_cache.bytes <= small_image_cache.max_bytes
    assert 1 <= len(small_image_cache) <= 3
    again = render_image(256, 256, "png", "seed-00")  # evicted long ago: rendered again, byte for byte
    assert again == first and Image.open(io.BytesIO(again)).size == (256, 256)


def test_every_media_cache_has_a_byte_bound() -> None:
    assert images._render.cache.max_bytes == images.RENDER_CACHE_BYTES
    assert audio._render.cache.max_bytes == audio.RENDER_CACHE_BYTES
    assert audio._note.cache.max_bytes == audio.NOTE_CACHE_BYTES
    assert video._render.cache.max_bytes == video.RENDER_CACHE_BYTES
    assert embeddings._directions.max_bytes == embeddings.DIRECTION_CACHE_BYTES
    render_audio("wav", 0.5, "bound")
    assert 0 < audio._render.cache.bytes <= audio.RENDER_CACHE_BYTES


def test_cached_directions_give_the_same_vectors() -> None:
    embeddings._directions.clear()
    cold = embeddings.embed("the quick brown fox", 256, space="m")
    assert len(embeddings._directions) == 7  # four words, three pairs
    assert embeddings.embed("the quick brown fox", 256, space="m") == cold
    assert embeddings._directions.bytes <= embeddings.DIRECTION_CACHE_BYTES


def test_directions_dropped_from_a_full_cache_come_back_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    embeddings._directions.clear()
    first = embeddings.embed("the quick brown fox", 1536, space="m")
    monkeypatch.setattr(embeddings._directions, "max_bytes", 40 * 7_000)  # about forty 1,536-long directions
    for i in range(30):
        embeddings.embed(f"filler text number {i} with words", 1536, space="m")
        assert embeddings._directions.bytes <= embeddings._directions.max_bytes
    assert len(embeddings._directions) < 40
    assert embeddings._directions.get_many(("m", 1536), [b"quick"]) == [None]  # dropped long ago
    assert embeddings.embed("the quick brown fox", 1536, space="m") == first
    embeddings._directions.clear()
