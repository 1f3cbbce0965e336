"""Async generation jobs: one handler per role, dispatched on the operation's `x-mock-task` family."""

from __future__ import annotations

from types import ModuleType

from starlette.responses import Response

from ..context import RequestContext
from ..tasks import hailuo, kling, luma, midjourney, pika, runway, suno, veo

FAMILIES: dict[str, ModuleType] = {module.FAMILY: module
                                   for module in (midjourney, kling, luma, pika, runway, veo, hailuo, suno)}


def _family(ctx: RequestContext) -> ModuleType:
    return FAMILIES[ctx.operation.task["family"]]


async def submit(ctx: RequestContext) -> Response:
    """Create a job and answer the family's submit envelope."""
    return await _family(ctx).submit(ctx)


async def fetch(ctx: RequestContext) -> Response:
    """A job's status (or its asset), as the family reports it."""
    return await _family(ctx).fetch(ctx)


async def list(ctx: RequestContext) -> Response:  # noqa: A001 - the role's name in the spec
    """Several jobs by id."""
    return await _family(ctx).list_tasks(ctx)


async def action(ctx: RequestContext) -> Response:
    """A follow-up on a job (MJ buttons and modal, Runway cancel, ...)."""
    return await _family(ctx).action(ctx)
