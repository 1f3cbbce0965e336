"""Every asset URL the mock hands out is a CDN-style link: fetched with no key, the right type, real bytes.

The URLs are collected from real answers of every family (jobs run with `--task-speed 0`), so a family
that starts handing out a new kind of link is covered without a new test.
"""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import av
import httpx
import pytest
from PIL import Image

KEY = {"Authorization": "Bearer sk-test"}
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP", "image/gif": "GIF"}
AUDIO_TYPES = {"audio/mpeg", "audio/wav", "audio/flac", "audio/ogg", "audio/opus", "audio/aac"}


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def data_url(width: int = 64, height: int = 48) -> str:
    return "data:image/png;base64," + base64.b64encode(png(width, height)).decode()


def own_urls(value: Any, base: str) -> Iterator[str]:
    """Every string in a JSON value that points at this server."""
    if isinstance(value, str):
        if value.startswith(base + "/"):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from own_urls(item, base)
    elif isinstance(value, list):
        for item in value:
            yield from own_urls(item, base)


class Collector:
    """Talks to the server with a key and remembers every own URL its answers hand out, by family."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.client = httpx.Client(base_url=base, headers=KEY, timeout=60)
        self.urls: dict[str, set[str]] = {}

    def call(self, family: str, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text[:300]}"
        body = response.json()
        self.urls.setdefault(family, set()).update(own_urls(body, self.base))
        return body


def run_every_family(c: Collector) -> None:
    """Generate something with every family that hands out links, and fetch every finished job."""
    # OpenAI images (DALL·E url answers, an edit, Flux)
    c.call("openai-images", "POST", "/v1/images/generations", json={"prompt": "an otter", "model": "dall-e-3"})
    c.call("openai-images", "POST", "/v1/images/generations",
           json={"prompt": "an otter", "model": "dall-e-2", "n": 2, "size": "256x256"})
    c.call("openai-images", "POST", "/v1/images/generations", json={"prompt": "a fox", "model": "flux-pro"})
    c.call("openai-images", "POST", "/v1/images/edits", data={"prompt": "a hat", "model": "dall-e-2"},
           files={"image": ("a.png", png(), "image/png")})
    # Recraft: raster (WEBP), vector (SVG), and the processing operations
    c.call("recraft", "POST", "/recraftAI/v1/images/generations", json={"prompt": "a car"})
    c.call("recraft", "POST", "/recraftAI/v1/images/generations",
           json={"prompt": "a car", "style": "vector_illustration"})
    for op in ("vectorize", "removeBackground", "clarityUpscale", "generativeUpscale"):
        c.call("recraft", "POST", f"/recraftAI/v1/images/{op}", files={"file": ("a.png", png(), "image/png")})
    # Ideogram 3.0
    c.call("ideogram", "POST", "/ideogram/v1/ideogram-v3/generate", files={"prompt": (None, "a neon sign")})
    c.call("ideogram", "POST", "/ideogram/v1/ideogram-v3/remix", data={"prompt": "watercolor"},
           files={"image": ("a.png", png(), "image/png")})
    # Midjourney: a grid, an upscale of it, a blend, uploads
    grid = c.call("midjourney", "POST", "/mj/submit/imagine", json={"prompt": "a red fox --ar 3:2"})["result"]
    task = c.call("midjourney", "GET", f"/mj/task/{grid}/fetch")
    upscale = c.call("midjourney", "POST", "/mj/submit/action",
                     json={"taskId": grid, "customId": task["buttons"][0]["customId"]})["result"]
    c.call("midjourney", "GET", f"/mj/task/{upscale}/fetch")
    blend = c.call("midjourney", "POST", "/mj/submit/blend",
                   json={"base64Array": [data_url(), data_url()], "dimensions": "PORTRAIT"})["result"]
    c.call("midjourney", "POST", "/mj/task/list-by-condition", json={"ids": [blend]})
    c.call("midjourney", "POST", "/mj/submit/upload-discord-images", json={"base64Array": [data_url()]})
    # Kling: images, try-on, text and image to video
    for path, body in (("images/generations", {"prompt": "a robot", "n": 2}),
                       ("images/kolors-virtual-try-on", {"human_image": data_url(), "cloth_image": data_url()}),
                       ("videos/text2video", {"prompt": "a boat"}),
                       ("videos/image2video", {"image": "https://example.com/a.png", "prompt": "a boat"})):
        task_id = c.call("kling", "POST", f"/kling/v1/{path}", json=body)["data"]["task_id"]
        c.call("kling", "GET", f"/kling/v1/{path}/{task_id}")
    # Luma and its extension
    generation = c.call("luma", "POST", "/luma/generations", json={"user_prompt": "a balloon"})["id"]
    c.call("luma", "GET", f"/luma/generations/{generation}")
    extended = c.call("luma", "POST", f"/luma/generations/{generation}/extend", json={"user_prompt": "higher"})["id"]
    c.call("luma", "GET", f"/luma/generations/{extended}")
    # Pika, Runway
    pika = c.call("pika", "POST", "/pika/generate", json={"promptText": "a corgi surfing"})["id"]
    c.call("pika", "GET", f"/pika/feed/{pika}")
    runway = c.call("runway", "POST", "/runwayml/v1/image_to_video",
                    json={"promptImage": "https://example.com/a.jpg", "ratio": "1280:768", "duration": 5})["id"]
    c.call("runway", "GET", f"/runwayml/v1/tasks/{runway}")
    # Veo (the unified form hands out a link; /v1/videos/{id}/content is an API call, tested below)
    veo = c.call("veo", "POST", "/v1/video/generations", json={"model": "veo3", "prompt": "a skyline"})["task_id"]
    c.call("veo", "GET", f"/v1/video/generations/{veo}")
    # Hailuo: the file record's download_url
    hailuo = c.call("hailuo", "POST", "/hailuo/v1/video_generation",
                    json={"model": "MiniMax-Hailuo-02", "prompt": "a kite"})["task_id"]
    file_id = c.call("hailuo", "GET", "/hailuo/v1/query/video_generation", params={"task_id": hailuo})["file_id"]
    c.call("hailuo", "GET", "/hailuo/v1/files/retrieve", params={"file_id": file_id})
    # Suno: clips' audio, video and cover art
    song = c.call("suno", "POST", "/suno/submit/music", json={"gpt_description_prompt": "a song about rain"})["data"]
    c.call("suno", "GET", f"/suno/fetch/{song}")
    c.call("suno", "POST", "/suno/fetch", json={"ids": [song]})


@pytest.fixture(scope="module")
def collected() -> Iterator[tuple[str, dict[str, set[str]]]]:
    from conftest import start_server
    running, stop = start_server(task_speed=0)
    collector = Collector(running.url)
    try:
        run_every_family(collector)
        yield running.url, collector.urls
    finally:
        collector.client.close()
        stop()


FAMILIES = ("openai-images", "recraft", "ideogram", "midjourney", "kling", "luma", "pika", "runway", "veo",
            "hailuo", "suno")


@pytest.mark.parametrize("family", FAMILIES)
def test_every_asset_url_is_public_typed_and_decodes(collected, family: str) -> None:
    _, urls = collected
    assert urls.get(family), f"{family} handed out no URL"
    for url in sorted(urls[family]):
        response = httpx.get(url, timeout=60)  # no key, like an <img> tag or a plain download
        assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:200]}"
        assert_decodes(url, response)


def assert_decodes(url: str, response: httpx.Response) -> None:
    """The bytes are what the content type says, and a real decoder opens them."""
    media_type = response.headers["content-type"].split(";")[0]
    data = response.content
    if media_type in IMAGE_TYPES:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.format == IMAGE_TYPES[media_type], url
            assert image.size[0] > 0 and image.size[1] > 0
    elif media_type == "image/svg+xml":
        root = ET.fromstring(data)
        assert root.tag == "{http://www.w3.org/2000/svg}svg", url
    elif media_type == "video/mp4" or media_type in AUDIO_TYPES:
        with av.open(io.BytesIO(data)) as container:
            streams = container.streams.video if media_type == "video/mp4" else container.streams.audio
            assert streams, f"{url}: no {media_type} stream"
            assert next(container.decode(streams[0]), None) is not None, url
    else:
        raise AssertionError(f"{url}: unexpected content type {media_type}")


def test_the_families_hand_out_the_expected_kinds_of_asset(collected) -> None:
    _, urls = collected
    kinds = {family: {_kind(u) for u in found} for family, found in urls.items()}
    assert {"video", "image"} <= kinds["luma"] and {"audio", "video", "image"} <= kinds["suno"]
    assert kinds["midjourney"] == {"mj-image"}
    assert "svg" in kinds["recraft"]


def _kind(url: str) -> str:
    if "/mj/image/" in url:
        return "mj-image"
    if url.endswith(".svg"):
        return "svg"
    return url.split("/_mock/assets/")[1].split("/")[0]


def test_api_downloads_still_need_a_key(collected) -> None:
    """`/v1/videos/{id}/content` is an API call, as on OpenAI: 401 without a key, the MP4 with one."""
    base, _ = collected
    with httpx.Client(base_url=base, headers=KEY) as client:
        video = client.post("/v1/videos", json={"model": "veo3", "prompt": "a plane", "seconds": "4",
                                                "size": "640x360"}).json()
        assert client.get(f"/v1/videos/{video['id']}").json()["status"] == "completed"
        assert client.get(f"/v1/videos/{video['id']}/content").headers["content-type"] == "video/mp4"
        hailuo = client.post("/hailuo/v1/video_generation", json={"model": "MiniMax-Hailuo-02", "prompt": "x"}).json()
        file_id = client.get("/hailuo/v1/query/video_generation", params={"task_id": hailuo["task_id"]}).json()["file_id"]
    anonymous = httpx.get(f"{base}/v1/videos/{video['id']}/content")
    assert anonymous.status_code == 401 and anonymous.json()["error"]["message"].startswith("You didn't provide")
    assert httpx.get(f"{base}/hailuo/v1/files/retrieve", params={"file_id": file_id}).status_code == 401


def test_a_midjourney_image_link_works_before_and_without_any_key(collected) -> None:
    """An unknown or unfinished task's image is a 404 in Midjourney's shape, even without a key."""
    base, _ = collected
    missing = httpx.get(f"{base}/mj/image/1700000000000000")
    assert missing.status_code == 404 and missing.json()["description"] == "task_no_found"
