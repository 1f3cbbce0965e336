"""`mockserver serve --workers N`: the app factory every uvicorn worker process calls, settings from the environment."""

from __future__ import annotations

import base64
import logging
import os
import pickle
import sys

from .settings import Settings

ENV = "MOCKSERVER_WORKER_SETTINGS"
FACTORY = f"{__name__}:app"


def export(settings: Settings) -> None:
    """Hand the settings to the worker processes (they inherit the environment)."""
    os.environ[ENV] = base64.b64encode(pickle.dumps(settings)).decode()


def imported() -> Settings:
    """The settings `export` handed over (this user's own, from the parent process)."""
    settings = pickle.loads(base64.b64decode(os.environ[ENV]))  # noqa: S301 - written by our parent process
    assert isinstance(settings, Settings)
    return settings


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
