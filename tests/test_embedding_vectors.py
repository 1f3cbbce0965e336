"""In-process: a vector is a sum of windows of one fixed table, and how it is summed never changes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mockserver.media import embeddings

ROOT = Path(__file__).resolve().parent.parent

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


def test_a_features_direction_is_its_window_of_the_one_fixed_table() -> None:
    table = embeddings._table()
    assert embeddings._table() is table and table.dtype == np.float32
    assert table.nbytes == 4 * ((1 << embeddings.POOL_BITS) + embeddings.MAX_DIMENSIONS - 1)  # 16 MiB, no more
    start = int(embeddings._starts([b"zebra"], "m")[0])
    window = table[start:start + 1536].astype(np.float64)
    vector = embeddings.embed_array("Zebra", 1536, space="m").astype(np.float64)
    assert vector @ window / np.linalg.norm(window) > 0.99999
    assert set(np.unique(table[:100_000])) <= set(range(-255, 256, 2))  # 2b - 255 for bytes b


def test_vectors_are_the_same_in_another_process() -> None:
    # Python's own hash differs per process; the table and the feature hashes must not.
    code = ("import sys; from mockserver.media.embeddings import embed_array; "
            "sys.stdout.write(embed_array('the same words, again', 256, space='m\\x1f3').tobytes().hex())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=os.environ | {"PYTHONHASHSEED": "12345"}, cwd=ROOT)
    assert done.stdout == embeddings.embed_array("the same words, again", 256, space="m\x1f3").tobytes().hex()


def test_more_dimensions_than_the_table_gives_are_refused() -> None:
    with pytest.raises(ValueError, match="at most 4096"):
        embeddings.embed_array("x", embeddings.MAX_DIMENSIONS + 1)
