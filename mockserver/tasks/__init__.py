"""Async generation jobs: one `TaskFamily` shape, one store, one clock, one module per family."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..core.answers import Answer
    from ..core.context import RequestContext
    from .clock import Tick
    from .store import Job


class TaskFamily(Protocol):
    """What every family module provides: its name (the spec's `x-mock-task.family`) and its roles."""

    FAMILY: str

    async def submit(self, ctx: "RequestContext") -> "Answer":
        """Create a job and answer the family's submit envelope."""

    async def fetch(self, ctx: "RequestContext") -> "Answer":
        """A job's status (or its asset), as the family reports it."""

    def status_body(self, job: "Job", state: "Tick") -> Any:
        """The body a poll of `job` answers (also shown by the dashboard)."""


def families() -> dict[str, ModuleType]:
    """Every family module by name; `list_tasks`, `action` and `assets` are the optional roles."""
    from . import hailuo, kling, luma, midjourney, pika, runway, suno, veo

    modules = (midjourney, kling, luma, pika, runway, veo, hailuo, suno)
    for module in modules:
        missing = [role for role in ("FAMILY", "submit", "fetch", "status_body") if not hasattr(module, role)]
        if missing:
            raise TypeError(f"task family {module.__name__} lacks {', '.join(missing)}")
    return {module.FAMILY: module for module in modules}
