"""Asset URLs in recorded answers (an image's `url`, MJ's `imageUrl`, a video or audio URL): fetched while recording,
stored beside the recording, and pointed at the mock's own `/_mock/recordings/...` route on replay."""

from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger("mockserver.proxy")

ASSET_KEY = re.compile(r"(?i)(?:^|_|[a-z])(url|uri)s?$")
ROUTE = "/_mock/recordings"
ASSET_LIMIT = 256 * 1024 * 1024
NOT_ASSET_SUFFIXES = (".yaml", ".yml", ".json")  # the scenario loader reads these


def asset_slots(value: Any) -> Iterator[tuple[Any, Any, str]]:
    """(container, key or index, URL) for every absolute http(s) URL under a key that names a URL (`url`,
    `imageUrl`, `video_url`, `imageUrls[*]`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and ASSET_KEY.search(key):
                if _is_url(item):
                    yield value, key, item
                elif isinstance(item, list):
                    yield from ((item, i, url) for i, url in enumerate(item) if _is_url(url))
            if isinstance(item, (dict, list)):
                yield from asset_slots(item)
    elif isinstance(value, list):
        for item in value:
            yield from asset_slots(item)


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://")) and len(value) < 4096


def same_origin(url: str, base: str) -> bool:
    """Whether `url` is on the upstream's host (then it gets the request's credentials)."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def extension(content_type: str, url: str) -> str:
    """A file suffix for a downloaded asset: from its content type, else its URL; never one the loader reads."""
    media = content_type.split(";", 1)[0].strip().lower()
    suffix = {"audio/mpeg": ".mp3", "image/jpeg": ".jpg", "audio/wav": ".wav", "audio/x-wav": ".wav",
              "video/mp4": ".mp4", "image/svg+xml": ".svg"}.get(media) or mimetypes.guess_extension(media or "") or ""
    if not suffix:
        path = urlsplit(url).path
        suffix = "." + path.rsplit(".", 1)[1][:8].lower() if "." in path.rsplit("/", 1)[-1] else ".bin"
    return ".data" if suffix in NOT_ASSET_SUFFIXES else suffix


async def download(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> tuple[bytes, str] | None:
    """An asset's bytes and content type, or None (logged) when it cannot be fetched."""
    try:
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                log.warning("recording: asset %s answered %d; its URL is kept as it was", _shown(url),
                            response.status_code)
                return None
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > ASSET_LIMIT:
                    log.warning("recording: asset %s is over %d bytes; its URL is kept", _shown(url), ASSET_LIMIT)
                    return None
            return bytes(data), response.headers.get("content-type", "")
    except httpx.HTTPError as exc:
        log.warning("recording: cannot fetch asset %s (%s); its URL is kept as it was", _shown(url), exc)
        return None


def _shown(url: str) -> str:
    """A URL for the log, without its query (it may be signed)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
