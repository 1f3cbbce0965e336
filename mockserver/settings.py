"""Server settings, as the CLI or a test sets them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Settings:
    """Everything `mockserver serve` can be told."""

    host: str = "127.0.0.1"
    port: int = 4010
    spec_path: Path | None = None
    scenarios_dir: Path | None = None
    seed: int = 0
    api_keys: tuple[str, ...] = field(default_factory=tuple)
    log_level: str = "info"
    quiet: bool = False
    task_speed: float = 1.0
