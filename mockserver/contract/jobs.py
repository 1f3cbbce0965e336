"""Async jobs: what a submit operation's `x-job` says, and the checks on a job's life (statuses, assets).

`x-job` on a submit operation names the fetch operation that polls it (`poll`), where the job id is in
the submit answer (`id`, a JSON pointer) and which fetch parameter takes it (`param`), where the status is
in the fetch answer (`status`), which statuses end the job (`done`, `failed`) and where a finished job's
asset URLs are, with the media type each must serve (`assets: [{at, type}]`; `*` walks an array).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .explain import short
from .violation import Violation

if TYPE_CHECKING:
    from ..spec import Operation, Spec

JOB_CHECK = "job_lifecycle"
MAX_ASSETS = 2        # asset fetches per job: enough to see they serve what they announce
SNIFF_BYTES = 64
# File signatures of the media a job may announce (the first bytes are enough; no decoder needed).
SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    "image/png": ((0, b"\x89PNG\r\n\x1a\n"),),
    "image/jpeg": ((0, b"\xff\xd8\xff"),),
    "image/gif": ((0, b"GIF8"),),
    "image/webp": ((8, b"WEBP"),),
    "video/mp4": ((4, b"ftyp"),),
    "video/quicktime": ((4, b"ftyp"), (4, b"moov"), (4, b"wide")),
    "video/webm": ((0, b"\x1aE\xdf\xa3"),),
    "audio/mpeg": ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2")),
    "audio/wav": ((8, b"WAVE"),),
    "audio/x-wav": ((8, b"WAVE"),),
    "audio/ogg": ((0, b"OggS"),),
    "audio/flac": ((0, b"fLaC"),),
}


@dataclass(frozen=True)
class JobSpec:
    """A submit operation's `x-job`."""

    poll: str
    id: str
    param: str
    status: str
    done: tuple[str, ...]
    failed: tuple[str, ...]
    assets: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, operation: "Operation") -> "JobSpec | None":
        """The operation's job description, or None when it starts no job the contract follows."""
        raw = operation.raw.get("x-job")
        if not raw:
            return None
        return cls(raw["poll"], raw["id"], raw["param"], raw["status"], tuple(raw.get("done") or ()),
                   tuple(raw.get("failed") or ()), tuple((a["at"], a["type"]) for a in raw.get("assets") or ()))

    @property
    def terminal(self) -> tuple[str, ...]:
        """Every status that ends the job."""
        return self.done + self.failed


def values_at(document: Any, pointer: str) -> list[Any]:
    """The values a JSON pointer names; a `*` segment stands for every item of an array."""
    found = [document]
    for part in [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/") if p]:
        step: list[Any] = []
        for node in found:
            if part == "*" and isinstance(node, list):
                step.extend(node)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                step.append(node[int(part)])
            elif isinstance(node, dict) and part in node:
                step.append(node[part])
        found = step
    return found


def field(pointer: str) -> str:
    """A pointer as the dotted field name the other checks use (`/data/task_status` -> `data.task_status`)."""
    return ".".join(pointer.strip("/").split("/"))


def status_enum(spec: "Spec", fetch: "Operation", pointer: str) -> list[Any] | None:
    """The statuses the fetch operation's success schema allows at `pointer` (None when it lists none)."""
    response = spec.resolve((fetch.raw.get("responses") or {}).get(str(fetch.success_status)) or {})
    schemas = [spec.resolve(m.get("schema")) for m in (response.get("content") or {}).values() if m.get("schema")]
    for schema in schemas:
        found = _enum_at(spec, schema, [p for p in pointer.strip("/").split("/") if p])
        if found is not None:
            return found
    return None


def _enum_at(spec: "Spec", schema: Any, parts: list[str]) -> list[Any] | None:
    schema = spec.resolve(schema)
    if not isinstance(schema, dict):
        return None
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            found = _enum_at(spec, branch, parts)
            if found is not None:
                return found
    if not parts:
        return list(schema["enum"]) if "enum" in schema else None
    head, rest = parts[0], parts[1:]
    if head.isdigit() or head == "*":
        return _enum_at(spec, schema.get("items") or {}, rest)
    return _enum_at(spec, (schema.get("properties") or {}).get(head) or {}, rest)


def job_id(job: JobSpec, submitted: Any) -> tuple[str | None, list[Violation]]:
    """The id the submit answer gives the job."""
    found = [v for v in values_at(submitted, job.id) if isinstance(v, (str, int)) and str(v)]
    if not found:
        return None, [Violation(JOB_CHECK, field(job.id), "the job id", short(values_at(submitted, job.id) or None),
                                "submit answer")]
    return str(found[0]), []


def status_violations(job: JobSpec, allowed: list[Any] | None, answer: Any, poll: int) -> tuple[Any, list[Violation]]:
    """The status a poll reports, and what is wrong with it (missing, or outside the family's enum)."""
    values = values_at(answer, job.status)
    where = f"poll {poll}"
    if not values:
        return None, [Violation(JOB_CHECK, field(job.status), "the job status", "no such field", where)]
    status = values[0]
    known = list(allowed) if allowed is not None else list(job.terminal)
    if allowed is not None and status not in allowed:
        return status, [Violation(JOB_CHECK, field(job.status), "one of " + ", ".join(map(str, known)),
                                  short(status), where)]
    return status, []


def asset_urls(job: JobSpec, answer: Any) -> list[tuple[str, str, str]]:
    """(pointer, url, announced media type) of a finished job's assets, at most MAX_ASSETS."""
    found = []
    for pointer, media in job.assets:
        for url in values_at(answer, pointer):
            if isinstance(url, str) and url:
                found.append((pointer, url, media))
    return found[:MAX_ASSETS]


def missing_assets(job: JobSpec, answer: Any) -> list[Violation]:
    """A finished job must announce at least one asset where its `x-job` says."""
    if job.assets and not asset_urls(job, answer):
        where = " or ".join(field(p) for p, _ in job.assets)
        return [Violation(JOB_CHECK, where, "an asset URL of the finished job", "none", "finished job")]
    return []


def asset_violations(pointer: str, url: str, announced: str, status: int, content_type: str | None,
                     head: bytes) -> list[Violation]:
    """A finished job's asset must be fetchable and serve the media type its place in the answer announces."""
    where = f"asset {url}"
    if status != 200:
        return [Violation(JOB_CHECK, field(pointer), "HTTP 200", f"HTTP {status}", where)]
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if not _matches(media, announced):
        return [Violation(JOB_CHECK, field(pointer), f"content-type {announced}", media or "none", where)]
    signatures = SIGNATURES.get(media)
    if not head:
        return [Violation(JOB_CHECK, field(pointer), f"{announced} bytes", "an empty body", where)]
    if signatures and not any(head[at:at + len(magic)] == magic for at, magic in signatures):
        return [Violation(JOB_CHECK, field(pointer), f"the bytes of a {media} file", short(head[:16].hex()), where)]
    return []


def _matches(media: str, announced: str) -> bool:
    if announced.endswith("/*"):
        return media.startswith(announced[:-1])
    return media == announced
