"""Server settings, as the CLI or a test sets them, and where the shipped spec and scenarios live."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """A shipped file or folder (`specs/gateway.openapi.yaml`, `scenarios`): in the installed wheel, else the checkout."""
    installed = PACKAGE_DIR / "_shipped" / name
    return installed if installed.exists() else PACKAGE_DIR.parent / name


@dataclass
class Settings:
    """Everything `mockserver serve` can be told."""

    host: str = "127.0.0.1"
    port: int = 4010
    spec_path: Path | None = None
    scenario_dirs: tuple[Path, ...] = ()
    default_scenarios: bool = True
    seed: int = 0
    api_keys: tuple[str, ...] = field(default_factory=tuple)
    log_level: str = "info"
    quiet: bool = False
    task_speed: float = 1.0
    cors_origins: tuple[str, ...] = ()
    state: str | None = None  # where shared state lives: None (this process) or a redis:// URL
    workers: int = 1
    # One directory *instead of* the shipped scenarios (older tests); prefer `scenario_dirs`.
    scenarios_dir: Path | None = None

    def scenario_directories(self) -> list[Path]:
        """The scenario directories to load, the user's first (in order), then the shipped one."""
        if self.scenarios_dir is not None:
            return [Path(self.scenarios_dir)]
        user = [Path(d) for d in self.scenario_dirs]
        return user + [shipped("scenarios")] if self.default_scenarios else user
