"""POST /v1/embeddings over HTTP: shapes, lengths, encodings, determinism and errors."""

from __future__ import annotations

import base64
import json
import math
import struct

import httpx
import numpy as np
import pytest


def embed(http: httpx.Client, **body: object) -> httpx.Response:
    return http.post("/v1/embeddings", json={"model": "text-embedding-3-small", **body})


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b)) / (math.hypot(*a) * math.hypot(*b))


@pytest.mark.parametrize(("model", "length"), [("text-embedding-ada-002", 1536), ("text-embedding-3-small", 1536),
                                               ("text-embedding-3-large", 3072)])
def test_native_length_and_unit_norm(http: httpx.Client, model: str, length: int) -> None:
    body = embed(http, model=model, input="The food was delicious", encoding_format="float").json()
    vector = body["data"][0]["embedding"]
    assert body["object"] == "list" and body["model"] == model
    assert body["data"][0] == {"object": "embedding", "index": 0, "embedding": vector}
    assert len(vector) == length
    assert math.isclose(math.hypot(*vector), 1.0, rel_tol=1e-5)


def test_one_entry_per_input_in_order_and_usage(http: httpx.Client) -> None:
    body = embed(http, input=["hello world", "goodbye", "hello world"], encoding_format="float").json()
    assert [d["index"] for d in body["data"]] == [0, 1, 2]
    assert body["data"][0]["embedding"] == body["data"][2]["embedding"]
    assert body["data"][0]["embedding"] != body["data"][1]["embedding"]
    assert body["usage"] == {"prompt_tokens": 5, "total_tokens": 5}  # 2 + 1 + 2


def test_similar_texts_are_closer(http: httpx.Client) -> None:
    texts = ["The cat sat on the warm mat", "The cat sat on the mat", "Interest rates rose sharply in March"]
    a, b, c = (d["embedding"] for d in embed(http, input=texts, encoding_format="float").json()["data"])
    assert cosine(a, b) > 0.6 > cosine(a, c)


def as_float32(values: list[float]) -> tuple[float, ...]:
    """Each value rounded to the nearest float32 (as a Python float)."""
    return struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values))


def test_base64_is_little_endian_float32_of_the_same_vector(http: httpx.Client) -> None:
    floats = embed(http, input="same text", encoding_format="float").json()["data"][0]["embedding"]
    encoded = embed(http, input="same text", encoding_format="base64").json()["data"][0]["embedding"]
    raw = base64.b64decode(encoded)
    assert len(raw) == 4 * 1536
    # each JSON float is the shortest decimal of a float32, so it reads back as exactly that float32
    assert struct.unpack(f"<{len(raw) // 4}f", raw) == as_float32(floats)


def significant_digits(number: str) -> str:
    """The significant digits of a decimal number's text: `-0.00230640` and `2.3064e-3` give `23064`."""
    mantissa = number.lower().lstrip("-").partition("e")[0]
    return mantissa.replace(".", "").strip("0") or "0"


@pytest.mark.parametrize("model", ["text-embedding-3-small", "text-embedding-3-large"])
def test_floats_are_the_shortest_decimal_of_each_float32(http: httpx.Client, model: str) -> None:
    # As the real API prints them (`0.0023064255`, `-0.009327292`): nine significant digits at most, not 17.
    response = embed(http, model=model, input="shortest digits please", encoding_format="float")
    texts = json.loads(response.content, parse_float=str)["data"][0]["embedding"]
    raw = base64.b64decode(embed(http, model=model, input="shortest digits please",
                                 encoding_format="base64").json()["data"][0]["embedding"])
    values = np.frombuffer(raw, dtype="<f4")
    assert len(texts) == len(values) and all(isinstance(t, str) for t in texts)
    for text, value in zip(texts, values):
        assert np.float32(float(text)) == value  # reads back as the float32 that base64 carries
        assert significant_digits(text) == significant_digits(np.format_float_scientific(value, unique=True))
    assert max(len(significant_digits(t)) for t in texts) <= 9


def test_a_large_batch_gives_the_vectors_its_inputs_get_alone(http: httpx.Client) -> None:
    # Over 16,384 characters in all: embedded off the event loop, yet the same vectors as short requests get.
    texts = [f"document {i}: " + "lorem ipsum dolor sit amet " * 40 for i in range(20)]
    batch = embed(http, input=texts, encoding_format="float").json()["data"]
    for i in (0, 7, 19):
        alone = embed(http, input=texts[i], encoding_format="float").json()["data"][0]["embedding"]
        assert batch[i]["index"] == i and batch[i]["embedding"] == alone
    encoded = embed(http, input=texts, encoding_format="base64").json()["data"][19]["embedding"]
    assert struct.unpack("<1536f", base64.b64decode(encoded)) == as_float32(batch[19]["embedding"])


def test_dimensions_truncate_and_renormalise(http: httpx.Client) -> None:
    full = embed(http, input="a quick test", encoding_format="float").json()["data"][0]["embedding"]
    short = embed(http, input="a quick test", encoding_format="float", dimensions=256).json()["data"][0]["embedding"]
    assert len(short) == 256
    assert math.isclose(math.hypot(*short), 1.0, rel_tol=1e-5)
    assert cosine(short, full[:256]) > 0.9999


@pytest.mark.parametrize("tokens", [[15339, 1917], [[15339, 1917], [9906]]])
def test_token_arrays_count_their_length(http: httpx.Client, tokens: list) -> None:
    body = embed(http, input=tokens, encoding_format="float").json()
    rows = tokens if isinstance(tokens[0], list) else [tokens]
    assert len(body["data"]) == len(rows)
    assert body["usage"]["prompt_tokens"] == sum(len(r) for r in rows)


def test_deterministic_per_seed(http: httpx.Client, make_server) -> None:
    first = embed(http, input="seeded", encoding_format="float").json()["data"][0]["embedding"]
    assert embed(http, input="seeded", encoding_format="float").json()["data"][0]["embedding"] == first
    other = make_server(seed=7)
    again = httpx.post(other.v1 + "/embeddings", headers={"Authorization": "Bearer k"},
                       json={"model": "text-embedding-3-small", "input": "seeded", "encoding_format": "float"})
    assert again.json()["data"][0]["embedding"] != first


@pytest.mark.parametrize(("body", "param", "fragment"), [
    ({"model": "text-embedding-ada-002", "input": "x", "dimensions": 8}, "dimensions",
     "This model does not support specifying dimensions."),
    ({"model": "text-embedding-3-small", "input": "x", "dimensions": 5000}, "dimensions", "less than or equal to 1536"),
    ({"model": "text-embedding-3-small", "input": ""}, "input", "non-empty"),
    ({"model": "text-embedding-3-small", "input": ["ok", ""]}, "input[1]", "non-empty"),
    ({"model": "text-embedding-3-small", "input": []}, "input", ""),
    ({"model": "text-embedding-3-small", "input": [[1, 2], "mixed"]}, "input", ""),
    ({"model": "text-embedding-3-small", "input": [-1]}, "input", "non-negative"),
    ({"model": "text-embedding-3-small", "input": list(range(9000))}, "input", "maximum context length"),
    ({"model": "text-embedding-3-small", "input": "x", "encoding_format": "int8"}, "encoding_format", ""),
    ({"input": "x"}, "model", ""),
])
def test_client_mistakes_are_400s_naming_the_field(http: httpx.Client, body: dict, param: str, fragment: str) -> None:
    response = http.post("/v1/embeddings", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error"
    assert fragment in error["message"]
