"""`--record DIR`: proxied exchanges written as scenario YAML that `mockserver serve --scenarios DIR` replays.

One file per exchange (an async job: its submit and every poll, in one file). Names are stable (operation, a slug,
the request's fingerprint), so recording the same exchange again replaces its file; a request made again in the same
run adds a step to its scenario's `sequence`, so polls replay in the order they happened.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..scenarios.fingerprint import request_fingerprint
from ..scenarios.loader import load_file
from . import assets
from .recording import Answer, Entry, Flow, escape_templates, events, identify, job_ids, json_body, slug, text_body
from .redact import Redactions, request_secrets, scrub

if TYPE_CHECKING:
    import httpx

    from ..core.context import RequestContext
    from ..scenarios.engine import ScenarioEngine

log = logging.getLogger("mockserver.proxy")


@dataclass
class RecordingFile:
    """A recording file as this run has written it: its scenarios and the asset files beside it."""

    stem: str
    first: str  # the exchange that started it: `POST /mj/submit/imagine`
    entries: dict[str, Entry] = field(default_factory=dict)
    assets: dict[str, str] = field(default_factory=dict)  # source URL -> file name
    files: int = 0

    def next_name(self, suffix: str) -> str:
        """A new file name beside the YAML: `<stem>.<n><suffix>`."""
        self.files += 1
        return f"{self.stem}.{self.files}{suffix}"


class Recorder:
    """Turns exchanges into files in one directory; the scenario engine is told to ignore its own writes."""

    def __init__(self, directory: Path, upstream: str, redactions: Redactions) -> None:
        self.directory = Path(directory)
        self.upstream = upstream
        self.redactions = redactions
        self.files: dict[str, RecordingFile] = {}
        self.jobs: dict[str, str] = {}  # an id an answer handed out -> the stem of the file its polls join
        self.lock = asyncio.Lock()

    async def record(self, ctx: "RequestContext", answer: Answer, client: "httpx.AsyncClient",
                     engine: "ScenarioEngine | None") -> Path:
        """Write (or extend) the recording of one exchange; the file written."""
        fingerprint = request_fingerprint(ctx)
        async with self.lock:
            stem = self._job_of(ctx)
            own = stem is None
            if own:
                stem = f"{ctx.operation.operation_id}-{slug(ctx)}-{fingerprint}".replace("--", "-")
            recording = self.files.get(stem)
            if recording is None:
                recording = self.files[stem] = RecordingFile(stem, f"{ctx.method} {ctx.path}")
                self._clear(stem)
            name = stem if own else f"{stem}.{ctx.operation.operation_id}-{fingerprint[:8]}"
            entry = recording.entries.get(name)
            if entry is None:
                entry = recording.entries[name] = Entry(name, f"{ctx.method} {ctx.path}", identify(ctx, fingerprint))
            step, body = await self._step(ctx, answer, recording, client)
            entry.steps.append(step)
            if own and ctx.method != "GET" and body is not None:
                self.jobs.update(dict.fromkeys(job_ids(body), stem))
            path = self._write(ctx, recording)
            if engine is not None and any(self.directory.resolve() == d.resolve() for d in engine.directories):
                engine.watcher.snapshot()  # this run's recordings answer from the next run on, not mid-recording
            return path

    def _job_of(self, ctx: "RequestContext") -> str | None:
        """The file of the job a request polls: one whose id is in its path or query."""
        for value in (*ctx.path_params.values(), *(v for _, v in ctx.query.items())):
            stem = self.jobs.get(value)
            if stem is not None:
                return stem
        return None

    def _clear(self, stem: str) -> None:
        """A stem recorded afresh: remove its old file and the files beside it."""
        for old in self.directory.glob(f"{stem}.*"):
            if old.is_file():
                old.unlink()

    async def _step(self, ctx: "RequestContext", answer: Answer, recording: RecordingFile,
                    client: "httpx.AsyncClient") -> tuple[dict[str, Any], Any]:
        raw: dict[str, Any] = {"status": answer.status}
        if answer.headers:
            raw["headers"] = answer.headers
        parsed = None
        if answer.frames is not None:
            raw["events"] = events(answer.frames, self.redactions.json if self.redactions.paths else None)
        elif answer.body:
            parsed = json_body(answer.content_type, answer.body)
            if isinstance(parsed, (dict, list)):
                body = escape_templates(self.redactions.json(parsed))
                if not (ctx.dialect.conversational and ctx.dialect.parses(ctx.operation)):
                    await self._assets(ctx, body, recording, client)
                raw["body"] = body
            else:
                text = text_body(answer.content_type, answer.body)
                if text is not None:
                    raw["body"] = escape_templates(text)
                    raw.setdefault("headers", {}).setdefault("content-type", answer.content_type or "text/plain")
                else:
                    name = recording.next_name(assets.extension(answer.content_type, ctx.path))
                    (self.directory / name).write_bytes(answer.body)
                    raw["body_file"] = name
        return {"raw": raw}, parsed

    async def _assets(self, ctx: "RequestContext", body: Any, recording: RecordingFile,
                      client: "httpx.AsyncClient") -> None:
        """Fetch the media an answer links to, store it beside the recording, link to the mock's copy instead."""
        for container, key, url in list(assets.asset_slots(body)):
            name = recording.assets.get(url)
            if name is None:
                credentials = {k: v for k, v in ctx.headers.items() if k in ("authorization", "x-api-key",
                                                                               "x-goog-api-key", "mj-api-secret")}
                got = await assets.download(client, url, credentials if assets.same_origin(url, self.upstream) else {})
                if got is None:
                    continue
                data, content_type = got
                name = recording.assets[url] = recording.next_name(assets.extension(content_type, url))
                (self.directory / name).write_bytes(data)
            container[key] = "{{base_url}}" + f"{assets.ROUTE}/{name}"

    def _write(self, ctx: "RequestContext", recording: RecordingFile) -> Path:
        entries = [e.document() for e in recording.entries.values()]
        document = entries[0] if len(entries) == 1 else {"scenarios": entries}
        head = (f"# Recorded by mockserver from {self.upstream} ({recording.first}) on "
                f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}.\n"
                "# Replay: mockserver serve --scenarios <this directory>. Edit freely: `fingerprint` pins the exact "
                "request\n# (delete it to match on the conditions above it); `delay_ms` is the wait before each "
                "event.\n")
        text = scrub(head + yaml.dump(document, Dumper=RecordingDumper, sort_keys=False, allow_unicode=True,
                                      width=float("inf")), request_secrets(ctx))
        path = self.directory / f"{recording.stem}.yaml"
        partial = self.directory / f".{recording.stem}.yaml.partial"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
        _, errors = load_file(path)
        if errors:  # a bug of ours: say so loudly, the file stays for a look
            log.error("recording %s does not load as a scenario file: %s", path, "; ".join(map(str, errors)))
        return path


class RecordingDumper(yaml.SafeDumper):
    """Readable YAML: events one per line, scalar lists inline, multi-line text as a block, no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _flow(dumper: yaml.SafeDumper, value: Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)


def _list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    scalars = value and all(isinstance(v, (int, float, bool)) or v is None for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True if scalars else None)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and len(value) > 40 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


RecordingDumper.add_representer(Flow, _flow)
RecordingDumper.add_representer(list, _list)
RecordingDumper.add_representer(str, _text)
