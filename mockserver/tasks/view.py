"""A job as the dashboard lists it: where it stands, the body a poll would answer, and its assets by kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import families

if TYPE_CHECKING:
    from .store import Job, TaskStore

KINDS = {"image": ("png", "jpeg", "jpg", "webp", "gif", "svg"), "audio": ("mp3", "wav", "flac", "opus", "aac",
                                                                      "pcm", "ogg", "m4a"),
         "video": ("mp4", "webm", "mov")}


def summary(store: "TaskStore", job: "Job") -> dict[str, Any]:
    """The job without moving its clock (no poll is counted)."""
    module = families()[job.family]
    state = store.tick(job)
    body = module.status_body(job, state)
    extra = getattr(module, "assets", None)
    urls = list(dict.fromkeys([*_urls(body), *(extra(job, state) if extra else [])]))
    return {"id": job.id, "family": job.family, "kind": job.kind, "phase": state.phase, "percent": state.percent,
            "prompt": job.params.get("prompt") or None, "submitted_at": job.submitted_at,
            "started_at": state.started_at, "finished_at": state.finished_at,
            "fail_reason": (job.plan.fail_reason or "failed") if state.phase == "failed" else None,
            "polls": job.polls, "body": body,
            "assets": [{"kind": kind, "url": url} for url, kind in ((u, kind_of(u, k)) for u, k in urls) if kind]}


def kind_of(url: str, key: str) -> str | None:
    """image, audio or video, by the URL's extension, else by the field that held it (`imageUrl`, ...)."""
    extension = urlsplit(url).path.rsplit(".", 1)[-1].lower()
    for kind, extensions in KINDS.items():
        if extension in extensions:
            return kind
    lowered = key.lower()
    return next((kind for kind in KINDS if kind in lowered), None)


def _urls(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every http(s) URL in a body, with the key that held it."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _urls(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _urls(v, key)
    elif isinstance(value, str) and value.startswith(("http://", "https://")):
        yield value, key
