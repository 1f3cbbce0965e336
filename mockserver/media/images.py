"""Deterministic images (png, jpeg, webp, gif) that real decoders accept."""

from __future__ import annotations

import io
import re
from functools import lru_cache

from ..core.errors import MockError
from ._cache import byte_cache
from ._lazy import lazy_import
from ._seed import seed_bytes

Image = lazy_import("PIL.Image")
ImageDraw = lazy_import("PIL.ImageDraw")
ImageFont = lazy_import("PIL.ImageFont")

MAX_SIDE = 4096
MAX_RATIO = 100  # wider or taller than 100:1 is not a picture
RENDER_CACHE_BYTES = 16 * 1024 * 1024  # encoded pictures kept for repeated requests
FORMATS = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP", "gif": "GIF"}
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}

_SIZE_RE = re.compile(r"^\s*(\d+)\s*[x×*]\s*(\d+)\s*$", re.IGNORECASE)
_RATIO_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[:x/]\s*(\d+(?:\.\d+)?)\s*$", re.IGNORECASE)


def normalize_format(fmt: str) -> str:
    """Return Pillow's format name for an API format name, or raise ValueError."""
    key = (fmt or "png").strip().lower().lstrip(".")
    if key not in FORMATS:
        raise ValueError(f"unsupported image format: {fmt!r}")
    return FORMATS[key]


def image_content_type(fmt: str) -> str:
    """Return the MIME type for an image format name."""
    return CONTENT_TYPES[normalize_format(fmt)]


def parse_size(size: str) -> tuple[int, int]:
    """Parse "WIDTHxHEIGHT" (or "auto" -> 1024x1024) into (width, height)."""
    if size is None or str(size).strip().lower() in ("", "auto"):
        return (1024, 1024)
    match = _SIZE_RE.match(str(size))
    if not match:
        raise ValueError(f"invalid size: {size!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError(f"size out of range: {size!r}")
    return (width, height)


def _even(value: float) -> int:
    """Round to the nearest even integer, at least 2."""
    return max(2, round(value / 2.0) * 2)


def aspect_ratio_size(ratio: str | float, long_side: int = 1024) -> tuple[int, int]:
    """Map "16:9", "16x9", "1280:768" or a float like 1.7777 to (width, height)."""
    if isinstance(ratio, (int, float)) and not isinstance(ratio, bool):
        value = float(ratio)
    else:
        text = str(ratio).strip().lower()
        if text.startswith("aspect_"):  # Ideogram's "ASPECT_16_9"
            text = text[len("aspect_") :].replace("_", ":")
        if text in ("", "auto"):
            return (long_side, long_side)
        match = _RATIO_RE.match(text)
        if match:
            w, h = float(match.group(1)), float(match.group(2))
            if w <= 0 or h <= 0:
                raise ValueError(f"invalid aspect ratio: {ratio!r}")
            # Runway-style "1280:768" is already a pixel size: keep it exactly.
            if w >= 64 and h >= 64 and w.is_integer() and h.is_integer() and max(w, h) <= MAX_SIDE:
                return (int(w), int(h))
            value = w / h
        else:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"invalid aspect ratio: {ratio!r}") from None
    if not (1 / MAX_RATIO < value < MAX_RATIO):
        raise ValueError(f"invalid aspect ratio: {ratio!r}")
    if value >= 1:
        return (_even(long_side), _even(long_side / value))
    return (_even(long_side * value), _even(long_side))


def checked_aspect_ratio(ratio: str | float, param: str, long_side: int = 1024) -> tuple[int, int]:
    """`aspect_ratio_size`, with a ratio it cannot use answered as a 400 naming `param`."""
    try:
        return aspect_ratio_size(ratio, long_side)
    except ValueError:
        raise MockError(400, f"Invalid value for '{param}': {str(ratio)[:40]!r}. Expected a ratio such as 16:9, "
                             f"both sides positive and at most {MAX_RATIO}:1.", param=param,
                        code="invalid_value") from None


_STEPS = 240  # palette entries used by the gradient
_BLACK, _WHITE, _RING = 240, 241, 242  # reserved palette entries
_GIF_BANDS = [i // 6 * 6 if i < _STEPS else i for i in range(256)]


def _colours(digest: bytes, count: int) -> list[tuple[int, int, int]]:
    """Pick `count` soft RGB colours from a digest."""
    return [
        (64 + digest[3 * i] * 3 // 4, 64 + digest[3 * i + 1] * 3 // 4, 64 + digest[3 * i + 2] * 3 // 4)
        for i in range(count)
    ]


def _palette(digest: bytes) -> bytes:
    """Build a 256-entry palette: a three-stop gradient, black, white and ring colours."""
    stops = _colours(digest, 3)
    entries: list[int] = []
    half = _STEPS // 2
    for i in range(_STEPS):
        a, b = (stops[0], stops[1]) if i < half else (stops[1], stops[2])
        t = (i % half) / (half - 1)
        entries.extend(round(a[c] + (b[c] - a[c]) * t) for c in range(3))
    entries.extend((0, 0, 0, 255, 255, 255))
    for colour in _colours(digest[9:], 3):
        entries.extend(colour)
    entries.extend([0] * (768 - len(entries)))
    return bytes(entries)


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Return Pillow's bundled font at a given pixel size."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: bitmap font
        return ImageFont.load_default()


def picture(width: int, height: int, seed: str | int, text: str | None = None) -> Image.Image:
    """Draw the seeded gradient-and-rings picture as a palette ("P") image."""
    digest = seed_bytes("image", seed)
    corners = [0, 80 + digest[20] % 80, 80 + digest[21] % 80, _STEPS - 1]
    shift = digest[22] % 4
    corners = corners[shift:] + corners[:shift]
    grid = Image.new("L", (2, 2))
    grid.putdata(corners)
    ramp = grid.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=None)
    image = Image.frombytes("P", ramp.size, ramp.tobytes())
    image.putpalette(_palette(digest))
    draw = ImageDraw.Draw(image)
    short = min(width, height)
    for i in range(3):
        cx = digest[23 + 3 * i] * width // 255
        cy = digest[24 + 3 * i] * height // 255
        radius = max(1, short * (8 + digest[25 + 3 * i] % 16) // 64)
        ring = max(1, short // 64)
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=_RING + i, width=ring)
    if text:
        font = _font(max(10, short // 16))
        box = draw.textbbox((0, 0), text, font=font)
        tw, th = box[2] - box[0], box[3] - box[1]
        x, y = (width - tw) // 2 - box[0], (height - th) // 2 - box[1]
        pad = max(2, short // 64)
        draw.rectangle((x + box[0] - pad, y + box[1] - pad, x + box[2] + pad, y + box[3] + pad), fill=_BLACK)
        draw.text((x, y), text, font=font, fill=_WHITE)
    return image


@byte_cache(RENDER_CACHE_BYTES)
def _render(width: int, height: int, pil_format: str, seed: str | int, text: str | None) -> bytes:
    """Encode the drawn picture; cached per argument tuple."""
    image = picture(width, height, seed, text)
    out = io.BytesIO()
    if pil_format == "PNG":
        image.save(out, "PNG", compress_level=3)
    elif pil_format == "GIF":
        banded = image.point(_GIF_BANDS)  # coarser gradient: LZW packs it ~3x smaller
        banded.putpalette(image.getpalette())
        banded.save(out, "GIF")
    elif pil_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85)
    else:
        image.convert("RGB").save(out, "WEBP", quality=80, method=0)
    return out.getvalue()


def render_image(width: int, height: int, fmt: str = "png", seed: str | int = 0, text: str | None = None) -> bytes:
    """Return deterministic image bytes of the given size and format."""
    if not (0 < int(width) <= MAX_SIDE and 0 < int(height) <= MAX_SIDE):
        raise ValueError(f"image size out of range: {width}x{height}")
    return _render(int(width), int(height), normalize_format(fmt), seed, text or None)
