"""mockserver: a spec-driven mock and contract-test server for an LLM and media API gateway."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import MockServer, create_app
    from .settings import Settings

__all__ = ["MockServer", "Settings", "create_app"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Imported on first use: pytest imports this package for its plugin in every session, so it must be cheap.
    if name in ("MockServer", "create_app"):
        from . import app
        return getattr(app, name)
    if name == "Settings":
        from .settings import Settings
        return Settings
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
