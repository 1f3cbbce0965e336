"""Deterministic MP4 video (H.264, else MPEG-4 Part 2) that real players open."""

from __future__ import annotations

import math
import os
import tempfile
from fractions import Fraction

from ._cache import byte_cache
from ._lazy import lazy_import
from .images import picture

av = lazy_import("av")

MAX_SIDE = 4096
MAX_SECONDS = 120.0
RENDER_CACHE_BYTES = 32 * 1024 * 1024  # encoded clips kept for repeated requests
_CODEC = "libx264" if "libx264" in av.codecs_available else "mpeg4"
_BAND_Y = 235  # luma of the moving band and the progress bar


def _even(value: int) -> int:
    """Round down to an even number, at least 2 (4:2:0 chroma needs even sizes)."""
    return max(2, int(value) // 2 * 2)


def _planes(width: int, height: int, seed: str | int) -> list[tuple[bytes, int]]:
    """Return the background picture as yuv420p (plane bytes, line size) pairs."""
    frame = av.VideoFrame.from_image(picture(width, height, seed).convert("RGB"))
    frame = frame.reformat(format="yuv420p")
    return [(bytes(plane)[: plane.buffer_size], plane.line_size) for plane in frame.planes]


def _luma(background: bytes, stride: int, width: int, height: int, index: int, count: int) -> bytes:
    """Return the luma plane for one frame: background, a sweeping band and a progress bar."""
    band = max(2, height // 24)
    bar = max(2, height // 60)
    top = (index * 2 * height // max(1, count)) % max(1, height - band - bar)
    filled = min(width, width * (index + 1) // count)
    row = bytes([_BAND_Y]) * filled
    bar_rows = b"".join(row + background[y * stride + filled : (y + 1) * stride] for y in range(height - bar, height))
    return b"".join(
        (
            background[: top * stride],
            bytes([_BAND_Y]) * (band * stride),
            background[(top + band) * stride : (height - bar) * stride],
            bar_rows,
            background[height * stride :],
        )
    )


def _options(fps: int) -> dict[str, str]:
    """Return encoder options: small, fast and reproducible."""
    if _CODEC == "libx264":
        return {
            "preset": "ultrafast",
            "crf": "32",
            "g": str(fps * 5),
            "threads": "2",  # fixed, so the bytes do not depend on the machine's core count
            "flags": "+bitexact",
        }
    return {"qscale": "8", "g": str(fps * 2), "threads": "1", "flags": "+bitexact"}


@byte_cache(RENDER_CACHE_BYTES)
def _render(width: int, height: int, seconds: float, seed: str | int, fps: int) -> bytes:
    """Encode the clip; cached per argument tuple."""
    count = max(1, round(seconds * fps))
    planes = _planes(width, height, seed)
    with tempfile.TemporaryDirectory(prefix="mockserver-video-") as tmp:
        # +faststart (moov before mdat) re-reads the output by name, so write a real file.
        path = os.path.join(tmp, "clip.mp4")
        _encode(path, width, height, count, fps, planes)
        with open(path, "rb") as handle:
            return handle.read()


def _encode(path: str, width: int, height: int, count: int, fps: int, planes: list[tuple[bytes, int]]) -> None:
    """Encode `count` frames over the background planes into an MP4 file at `path`."""
    (y_bg, y_stride), (u_bg, _), (v_bg, _) = planes
    container_options = {"fflags": "+bitexact", "movflags": "+faststart"}
    with av.open(path, "w", format="mp4", options=container_options) as container:
        stream = container.add_stream(_CODEC, rate=fps, options=_options(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if _CODEC == "mpeg4":
            stream.bit_rate = 200_000
        for index in range(count):
            frame = av.VideoFrame(width, height, "yuv420p")
            frame.planes[0].update(_luma(y_bg, y_stride, width, height, index, count))
            frame.planes[1].update(u_bg)
            frame.planes[2].update(v_bg)
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def video_codec() -> str:
    """Return the encoder render_video uses (libx264 or mpeg4)."""
    return _CODEC


def render_video(width: int, height: int, seconds: float, seed: str | int = 0, fps: int = 24) -> bytes:
    """Return a deterministic MP4 of the given size, duration and frame rate."""
    seconds = float(seconds)
    if not (0.0 < seconds <= MAX_SECONDS) or math.isnan(seconds):
        raise ValueError(f"video duration out of range: {seconds}")
    if not (0 < int(width) <= MAX_SIDE and 0 < int(height) <= MAX_SIDE):
        raise ValueError(f"video size out of range: {width}x{height}")
    fps = max(1, min(60, int(fps)))
    return _render(_even(width), _even(height), round(seconds, 3), seed, fps)
