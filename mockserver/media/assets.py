"""Stateless media URLs: the URL names size, duration, format and seed, so it renders the same bytes forever."""

from __future__ import annotations

import hashlib
import math
import re

from . import audio as audio_media
from . import images as image_media
from ._seed import seed_bytes
from .audio import render_audio
from .images import render_image
from .video import render_video

PREFIX = "/_mock/assets"
IMAGE_EXTS = ("png", "jpeg", "jpg", "webp", "gif", "svg")
AUDIO_EXTS = tuple(audio_media.CONTENT_TYPES)
VIDEO_EXTS = ("mp4",)
MAX_SIDE = 4096
MAX_SECONDS = 600.0
SEED = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SIZE = re.compile(r"^(\d{1,5})x(\d{1,5})$")
SECONDS = re.compile(r"^\d{1,4}(\.\d{1,3})?$")
CACHE = {"cache-control": "public, max-age=86400, immutable"}


class AssetError(Exception):
    """A bad asset URL: status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _seconds_text(seconds: float) -> str:
    return f"{round(float(seconds), 3):g}"


def image_url(base_url: str, width: int, height: int, fmt: str, seed: str | int) -> str:
    """URL of a deterministic image of `width`x`height` in `fmt` (png, jpeg, webp, gif, svg)."""
    return f"{base_url.rstrip('/')}{PREFIX}/image/{int(width)}x{int(height)}/{seed}.{fmt}"


def audio_url(base_url: str, seconds: float, fmt: str, seed: str | int) -> str:
    """URL of deterministic audio lasting `seconds` in `fmt` (mp3, opus, aac, flac, wav, pcm)."""
    return f"{base_url.rstrip('/')}{PREFIX}/audio/{_seconds_text(seconds)}/{seed}.{fmt}"


def video_url(base_url: str, width: int, height: int, seconds: float, seed: str | int) -> str:
    """URL of a deterministic MP4 of `width`x`height` lasting `seconds`."""
    return f"{base_url.rstrip('/')}{PREFIX}/video/{int(width)}x{int(height)}/{_seconds_text(seconds)}/{seed}.mp4"


def asset_seed(*parts: object) -> str:
    """A URL-safe seed token derived from its parts."""
    return seed_bytes("asset", *parts).hex()[:20]


def render_svg(width: int, height: int, seed: str | int) -> bytes:
    """A small deterministic SVG (what Recraft's vectorize returns)."""
    d = seed_bytes("svg", seed)
    colours = [f"#{d[i]:02x}{d[i + 1]:02x}{d[i + 2]:02x}" for i in (0, 3, 6, 9)]
    short = min(width, height)
    circles = "".join(
        f'<circle cx="{d[12 + 3 * i] * width // 255}" cy="{d[13 + 3 * i] * height // 255}" '
        f'r="{max(1, short * (8 + d[14 + 3 * i] % 16) // 64)}" fill="{colours[1 + i]}"/>'
        for i in range(3))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" fill="{colours[0]}"/>'
            f"{circles}</svg>").encode()


def _size(text: str) -> tuple[int, int]:
    match = SIZE.match(text)
    if not match:
        raise AssetError(404, f"Invalid size '{text}': expected WIDTHxHEIGHT, e.g. 1024x1024.")
    width, height = int(match.group(1)), int(match.group(2))
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise AssetError(400, f"Size {width}x{height} is out of range: each side must be 1-{MAX_SIDE}.")
    return width, height


def _seconds(text: str) -> float:
    if not SECONDS.match(text):
        raise AssetError(404, f"Invalid duration '{text}': expected seconds, e.g. 5 or 2.5.")
    seconds = float(text)
    if not (0 < seconds <= MAX_SECONDS) or math.isnan(seconds):
        raise AssetError(400, f"Duration {text}s is out of range: it must be above 0 and at most {MAX_SECONDS:g}.")
    return seconds


def _name(text: str, exts: tuple[str, ...]) -> tuple[str, str]:
    seed, _, ext = text.rpartition(".")
    ext = ext.lower()
    if not seed or ext not in exts:
        raise AssetError(404, f"Unknown asset '{text}': expected SEED.EXT with EXT one of {', '.join(exts)}.")
    if not SEED.match(seed):
        raise AssetError(404, f"Invalid seed '{seed}': letters, digits, '-' and '_' only (1-64).")
    return seed, ext


def image_asset(params: dict[str, str]) -> tuple[bytes, str]:
    """The bytes and content type an image asset URL names."""
    width, height = _size(params["size"])
    seed, ext = _name(params["name"], IMAGE_EXTS)
    if ext == "svg":
        return render_svg(width, height, seed), "image/svg+xml"
    return render_image(width, height, ext, seed), image_media.image_content_type(ext)


def audio_asset(params: dict[str, str]) -> tuple[bytes, str]:
    """The bytes and content type an audio asset URL names."""
    seconds = _seconds(params["seconds"])
    seed, ext = _name(params["name"], AUDIO_EXTS)
    return render_audio(ext, seconds, seed), audio_media.content_type(ext)


def video_asset(params: dict[str, str]) -> tuple[bytes, str]:
    """The bytes and content type a video asset URL names."""
    width, height = _size(params["size"])
    seconds = _seconds(params["seconds"])
    seed, _ = _name(params["name"], VIDEO_EXTS)
    return render_video(width, height, seconds, seed), "video/mp4"
