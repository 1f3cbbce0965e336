"""In-process: how an embedding vector is assembled (rows or counts, float32 or float64 sums) never changes it."""

from __future__ import annotations

import pytest

from mockserver.media import embeddings

TEXTS = ["the cat and the hat and the bat", "a a a a b a b", "Ünïcode wörds, Ünïcode WÖRDS", [7, 7, 8, 7, 7]]


@pytest.mark.parametrize("item", TEXTS)
def test_repeats_summed_row_by_row_or_counted_give_the_same_vector(monkeypatch: pytest.MonkeyPatch, item) -> None:
    rows = embeddings.embed_array(item, 1536, space="m").tobytes()
    monkeypatch.setattr(embeddings, "MAX_ROWS", 0)  # every text counted (as a long one is)
    assert embeddings.embed_array(item, 1536, space="m").tobytes() == rows


@pytest.mark.parametrize("item", TEXTS)
def test_float32_and_float64_sums_give_the_same_vector(monkeypatch: pytest.MonkeyPatch, item) -> None:
    single = embeddings.embed_array(item, 1536, space="m").tobytes()
    monkeypatch.setattr(embeddings, "FLOAT32_EXACT_WEIGHT", 0)  # the float64 path a very heavy text takes
    assert embeddings.embed_array(item, 1536, space="m").tobytes() == single


def test_ascii_and_unicode_texts_share_the_features_of_their_ascii_words() -> None:
    assert embeddings.features("The CAT_1, the-cat!") == [b"the", b"cat_1", b"the", b"cat", b"the cat_1",
                                                         b"cat_1 the", b"the cat"]
    assert embeddings.features("Thé CAT") == [b"th\xc3\xa9", b"cat", b"th\xc3\xa9 cat"]
    assert embeddings.features("  ?!  ") == [b"?!"] and embeddings.features([5, 6]) == [b"#5", b"#6", b"#5 #6"]
