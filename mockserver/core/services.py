"""`Services`: what the composition root builds once and every stage is handed, typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..proxy import Proxy
    from ..scenarios.engine import ScenarioEngine
    from ..settings import Settings
    from ..spec.model import Spec
    from ..state import State
    from ..tasks.store import TaskStore


@dataclass
class Services:
    """Settings, the spec, shared state, scenarios and the task store of one server."""

    settings: "Settings"
    spec: "Spec"
    state: "State"
    tasks: "TaskStore"
    scenarios: "ScenarioEngine | None" = None
    proxy: "Proxy | None" = None  # `--upstream`: forwards what no scenario answers
    started_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
