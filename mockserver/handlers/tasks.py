"""Async generation jobs: one handler per role, dispatched on the operation's `x-mock-task` family."""

from __future__ import annotations

from types import ModuleType

from ..core.answers import Answer
from ..core.context import RequestContext
from ..core.errors import MockError
from ..tasks import families

FAMILIES: dict[str, ModuleType] = families()


def _role(ctx: RequestContext, role: str):  # noqa: ANN202 - the family's coroutine function
    found = getattr(FAMILIES[ctx.operation.task["family"]], role, None)
    if found is None:
        raise MockError(404, f"{ctx.operation.task['family']} has no {role} operation.")
    return found


async def submit(ctx: RequestContext) -> Answer:
    """Create a job and answer the family's submit envelope."""
    return await _role(ctx, "submit")(ctx)


async def fetch(ctx: RequestContext) -> Answer:
    """A job's status (or its asset), as the family reports it."""
    return await _role(ctx, "fetch")(ctx)


async def list(ctx: RequestContext) -> Answer:  # noqa: A001 - the role's name in the spec
    """Several jobs by id."""
    return await _role(ctx, "list_tasks")(ctx)


async def action(ctx: RequestContext) -> Answer:
    """A follow-up on a job (MJ buttons and modal, Runway cancel, ...)."""
    return await _role(ctx, "action")(ctx)
