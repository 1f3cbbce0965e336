"""Images over HTTP: OpenAI generations and edits, Recraft, Ideogram 3.0; URLs serve the same bytes as b64_json."""

from __future__ import annotations

import base64
import io

import httpx
import pytest
from PIL import Image


def png(width: int = 64, height: int = 64, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def opened(data: bytes) -> tuple[str, tuple[int, int]]:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.format, image.size


def generate(http: httpx.Client, **body: object) -> httpx.Response:
    return http.post("/v1/images/generations", json={"prompt": "A cute baby sea otter", **body})


def test_dall_e_3_url_serves_an_image_of_the_size_and_revises_the_prompt(http: httpx.Client) -> None:
    body = generate(http, model="dall-e-3", size="1792x1024").json()
    assert isinstance(body["created"], int)
    [item] = body["data"]
    assert item["revised_prompt"].startswith("A cute baby sea otter")
    assert item["url"].startswith(str(http.base_url).rstrip("/"))
    assert opened(httpx.get(item["url"]).content) == ("PNG", (1792, 1024))


def test_b64_json_carries_the_same_bytes_as_the_url(http: httpx.Client) -> None:
    as_url = generate(http, model="dall-e-2", size="256x256", n=2).json()["data"]
    as_b64 = generate(http, model="dall-e-2", size="256x256", n=2, response_format="b64_json").json()["data"]
    assert len(as_url) == len(as_b64) == 2
    for url_item, b64_item in zip(as_url, as_b64):
        assert "revised_prompt" not in url_item
        assert base64.b64decode(b64_item["b64_json"]) == httpx.get(url_item["url"]).content
    assert as_url[0]["url"] != as_url[1]["url"]


def test_images_are_deterministic_per_prompt(http: httpx.Client) -> None:
    first = generate(http, model="dall-e-2", size="256x256").json()["data"][0]["url"]
    assert generate(http, model="dall-e-2", size="256x256").json()["data"][0]["url"] == first
    assert generate(http, model="dall-e-2", size="256x256", prompt="a fox").json()["data"][0]["url"] != first


@pytest.mark.parametrize(("quality", "size", "tokens"), [("low", "1024x1024", 272), ("high", "1536x1024", 6240)])
def test_gpt_image_always_b64_with_usage(http: httpx.Client, quality: str, size: str, tokens: int) -> None:
    body = generate(http, model="gpt-image-1", quality=quality, size=size, output_format="webp",
                    background="transparent").json()
    assert opened(base64.b64decode(body["data"][0]["b64_json"])) == ("WEBP", tuple(map(int, size.split("x"))))
    assert (body["quality"], body["size"], body["output_format"], body["background"]) == (quality, size, "webp",
                                                                                         "transparent")
    assert body["usage"]["output_tokens"] == tokens
    assert body["usage"]["total_tokens"] == body["usage"]["input_tokens"] + tokens


def test_flux_sizes_and_kontext_aspect_ratio(http: httpx.Client) -> None:
    url = generate(http, model="flux-pro", size="1366x768").json()["data"][0]["url"]
    assert opened(httpx.get(url).content)[1] == (1366, 768)
    url = generate(http, model="flux-kontext-pro", aspect_ratio="16:9", seed=42).json()["data"][0]["url"]
    assert opened(httpx.get(url).content)[1] == (1024, 576)


@pytest.mark.parametrize(("body", "param"), [
    ({"model": "dall-e-3", "size": "256x256"}, "size"),
    ({"model": "flux-pro", "size": "1000x1000"}, "size"),
    ({"model": "dall-e-3", "n": 2}, "n"),
    ({"model": "gpt-image-1", "output_format": "jpeg", "background": "transparent"}, "background"),
    ({"model": "dall-e-2", "response_format": "png"}, "response_format"),
    ({"model": "dall-e-2", "prompt": ""}, "prompt"),
])
def test_generation_mistakes_are_400s(http: httpx.Client, body: dict, param: str) -> None:
    response = generate(http, **body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_edit_with_image_and_mask(http: httpx.Client) -> None:
    response = http.post("/v1/images/edits", data={"prompt": "add a hat", "model": "gpt-image-1", "size": "auto"},
                         files={"image": ("a.png", png(300, 200), "image/png"),
                                "mask": ("m.png", png(300, 200, (0, 0, 0)), "image/png")})
    body = response.json()
    assert body["size"] == "1536x1024"  # auto follows the source's landscape shape
    assert body["usage"]["input_tokens_details"]["image_tokens"] > 0
    assert opened(base64.b64decode(body["data"][0]["b64_json"]))[1] == (1536, 1024)


def test_edit_with_several_images_and_dall_e_2_url(http: httpx.Client) -> None:
    files = [("image[]", ("a.png", png(), "image/png")), ("image[]", ("b.png", png(colour=(0, 9, 9)), "image/png"))]
    body = http.post("/v1/images/edits", data={"prompt": "merge", "model": "gpt-image-1"}, files=files).json()
    assert len(body["data"]) == 1
    url = http.post("/v1/images/edits", data={"prompt": "x", "size": "512x512"},
                    files={"image": ("a.png", png(), "image/png")}).json()["data"][0]["url"]
    assert opened(httpx.get(url).content) == ("PNG", (512, 512))


@pytest.mark.parametrize(("files", "param"), [
    ({"image": ("a.png", b"not an image at all", "image/png")}, "image"),
    ({"image": ("a.png", png(64, 64), "image/png"), "mask": ("m.png", png(32, 32), "image/png")}, "mask"),
    ({"image": (None, "a string, not a file")}, "image"),
    ({"n": (None, "1")}, "image"),
])
def test_edit_bad_uploads(http: httpx.Client, files: dict, param: str) -> None:
    response = http.post("/v1/images/edits", data={"prompt": "x", "model": "gpt-image-1"}, files=files)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_recraft_generate_raster_and_vector(http: httpx.Client) -> None:
    op = "/recraftAI/v1/images/generations"
    item = http.post(op, json={"prompt": "race car", "style": "digital_illustration", "size": "1365x1024"}).json()["data"][0]
    assert item["image_id"] and opened(httpx.get(item["url"]).content) == ("WEBP", (1365, 1024))
    vector = http.post(op, json={"prompt": "race car", "style": "vector_illustration"}).json()["data"][0]
    assert httpx.get(vector["url"]).text.startswith("<svg")


@pytest.mark.parametrize(("op", "kind", "size"), [
    ("vectorize", "svg", (100, 60)), ("removeBackground", "PNG", (100, 60)), ("clarityUpscale", "PNG", (200, 120)),
])
def test_recraft_process(http: httpx.Client, op: str, kind: str, size: tuple[int, int]) -> None:
    response = http.post(f"/recraftAI/v1/images/{op}", files={"file": ("a.png", png(100, 60), "image/png")})
    image = httpx.get(response.json()["image"]["url"]).content
    if kind == "svg":
        assert image.startswith(b"<svg") and b'width="100"' in image
    else:
        assert opened(image) == (kind, size)


def test_ideogram_generate(http: httpx.Client) -> None:
    form = {"prompt": "neon sign", "aspect_ratio": "16x9", "num_images": "2", "seed": "12345", "style_type": "DESIGN"}
    body = http.post("/ideogram/v1/ideogram-v3/generate", files={k: (None, v) for k, v in form.items()}).json()
    assert [d["seed"] for d in body["data"]] == [12345, 12346]
    first = body["data"][0]
    assert first["style_type"] == "DESIGN" and first["is_image_safe"] is True
    width, height = map(int, first["resolution"].split("x"))
    assert opened(httpx.get(first["url"]).content)[1] == (width, height) and width > height


def test_ideogram_edit_and_remix(http: httpx.Client) -> None:
    edit = http.post("/ideogram/v1/ideogram-v3/edit", data={"prompt": "armchair"},
                     files={"image": ("a.png", png(80, 40), "image/png"), "mask": ("m.png", png(80, 40), "image/png")})
    assert edit.json()["data"][0]["resolution"] == "80x40"
    remix = http.post("/ideogram/v1/ideogram-v3/remix", data={"prompt": "watercolor", "image_weight": "60"},
                      files={"image": ("a.png", png(80, 40), "image/png")})
    assert remix.json()["data"][0]["resolution"] == "80x40"
    bad = http.post("/ideogram/v1/ideogram-v3/edit", data={"prompt": "armchair"},
                    files={"image": ("a.png", png(80, 40), "image/png"), "mask": ("m.png", png(8, 4), "image/png")})
    assert bad.status_code == 400


def test_ideogram_aspect_ratio_and_resolution_exclude_each_other(http: httpx.Client) -> None:
    form = {"prompt": "x", "aspect_ratio": "16x9", "resolution": "1024x1024"}
    response = http.post("/ideogram/v1/ideogram-v3/generate", files={k: (None, v) for k, v in form.items()})
    assert response.status_code == 400
    assert response.json() == {"error": "aspect_ratio and resolution cannot be used together"}
