"""mockserver: a spec-driven mock and contract-test server for an LLM and media API gateway."""

from .app import MockServer, create_app
from .settings import Settings

__all__ = ["MockServer", "Settings", "create_app"]
__version__ = "0.1.0"
