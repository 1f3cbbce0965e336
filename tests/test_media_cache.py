"""In-process: media render caches are bounded by the bytes they hold, not by a count of entries."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from mockserver.media import audio, images, render_audio, render_image, video
from mockserver.media._cache import ByteCache, byte_cache, held_bytes


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
    render_audio("wav", 0.5, "bound")
    assert 0 < audio._render.cache.bytes <= audio.RENDER_CACHE_BYTES
