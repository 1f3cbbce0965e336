"""Drop a client's connection at once, so it sees a reset (used by faults and proxies)."""

from __future__ import annotations

import asyncio
from typing import Any


async def abort_connection(receive: Any) -> bool:
    """Abort the transport behind uvicorn's `receive`; False when the server gives no way to."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        return False
    transport.abort()
    for _ in range(3):  # let connection_lost run, so the server does not try to answer the closed socket
        await asyncio.sleep(0)
    return True
