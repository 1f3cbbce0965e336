"""`mockserver serve --workers N`: the app factory every uvicorn worker process calls, settings from the environment."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from pathlib import Path

from .settings import Settings

ENV = "MOCKSERVER_WORKER_SETTINGS"
FACTORY = f"{__name__}:app"


def export(settings: Settings) -> None:
    """Hand the settings to the worker processes (they inherit the environment)."""
    plain = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    os.environ[ENV] = json.dumps(plain, default=str)


def imported() -> Settings:
    """The settings `export` handed over."""
    plain = json.loads(os.environ[ENV])
    for name in ("spec_path", "scenarios_dir"):
        if plain.get(name) is not None:
            plain[name] = Path(plain[name])
    plain["scenario_dirs"] = tuple(Path(d) for d in plain.get("scenario_dirs") or ())
    for name in ("api_keys", "cors_origins"):
        plain[name] = tuple(plain.get(name) or ())
    known = {f.name for f in dataclasses.fields(Settings)}
    return Settings(**{k: v for k, v in plain.items() if k in known})


def app():  # noqa: ANN201 - the MockServer ASGI app
    """One worker's server (its state is the shared one the settings name)."""
    from .app import create_app
    from .cli import LOG_DATE_FORMAT, LOG_FORMAT, tune_gc

    settings = imported()
    logging.basicConfig(level=settings.log_level.upper(), format=LOG_FORMAT, datefmt=LOG_DATE_FORMAT,
                        stream=sys.stderr)
    server = create_app(settings)
    tune_gc()
    return server
