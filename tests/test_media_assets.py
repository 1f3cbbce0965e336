"""GET /_mock/assets/...: stateless media URLs that real decoders open; bad URLs are 4xx, never 500."""

from __future__ import annotations

import io

import av
import httpx
import pytest
from PIL import Image

from mockserver.media.assets import audio_url, image_url, video_url
from mockserver.media import render_image


@pytest.mark.parametrize(("fmt", "pil"), [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP"), ("gif", "GIF")])
def test_image_asset_has_the_named_size_and_format(server, fmt: str, pil: str) -> None:
    response = httpx.get(image_url(server.url, 320, 200, fmt, "abc"))
    assert response.status_code == 200
    assert response.headers["content-type"] == f"image/{'jpeg' if fmt == 'jpeg' else fmt}"
    with Image.open(io.BytesIO(response.content)) as image:
        assert (image.format, image.size) == (pil, (320, 200))


def test_svg_asset(server) -> None:
    response = httpx.get(image_url(server.url, 64, 32, "svg", "vec"))
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.startswith("<svg") and 'width="64"' in response.text


def test_assets_are_stateless_and_cacheable(server) -> None:
    url = image_url(server.url, 64, 64, "png", "same")
    first = httpx.get(url)
    assert first.content == render_image(64, 64, "png", "same")  # the URL alone decides the bytes: no store
    assert httpx.get(url, headers={"if-none-match": first.headers["etag"]}).status_code == 304
    assert httpx.get(image_url(server.url, 64, 64, "png", "different")).content != first.content


def test_audio_asset_decodes_with_its_duration(server) -> None:
    response = httpx.get(audio_url(server.url, 1.5, "mp3", "s1"))
    assert response.headers["content-type"] == "audio/mpeg"
    with av.open(io.BytesIO(response.content)) as container:
        assert container.streams.audio[0].codec_context.name.startswith("mp3")
        assert abs(container.duration / av.time_base - 1.5) < 0.2


def test_video_asset_is_an_mp4(server) -> None:
    response = httpx.get(video_url(server.url, 64, 48, 1, "v1"))
    assert response.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(response.content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (64, 48)


@pytest.mark.parametrize(("path", "status"), [
    ("/_mock/assets/image/5000x10/a.png", 400),
    ("/_mock/assets/image/0x10/a.png", 400),
    ("/_mock/assets/image/10by10/a.png", 404),
    ("/_mock/assets/image/10x10/a.bmp", 404),
    ("/_mock/assets/image/10x10/bad%20seed.png", 404),
    ("/_mock/assets/audio/601/a.mp3", 400),
    ("/_mock/assets/audio/0/a.mp3", 400),
    ("/_mock/assets/audio/abc/a.mp3", 404),
    ("/_mock/assets/audio/1/a.ogg", 404),
    ("/_mock/assets/video/64x64/700/a.mp4", 400),
    ("/_mock/assets/video/64x64/1/a.mov", 404),
    ("/_mock/assets/nothing", 404),
])
def test_bad_asset_urls_are_json_errors(server, path: str, status: int) -> None:
    response = httpx.get(server.url + path)
    assert response.status_code == status
    assert response.json()["error"]["message"]
