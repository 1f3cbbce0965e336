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
    upstream: str | None = None          # forward what no scenario answers to this base URL
    upstream_timeout: float = 600.0      # seconds the upstream may stay silent (before its answer or between events)
    record_dir: Path | None = None       # write proxied exchanges here as scenario YAML
    record_mode: str = "new"             # new: recordings already in record_dir answer; all: re-record everything
    redact: tuple[str, ...] = ()         # more header names or JSON paths ($.a.b) kept out of recordings
    replay_timing: str = "recorded"      # recorded | none | x<speed factor>, for recorded events' delays
    strict: bool = False                 # a request no scenario answers is an error naming the nearest ones

    def scenario_directories(self) -> list[Path]:
        """The scenario directories to load: the recording directory (unless re-recording all), the user's, the shipped one."""
        if self.scenarios_dir is not None:
            return [Path(self.scenarios_dir)]
        user = [Path(d) for d in self.scenario_dirs]
        if self.record_dir is not None and self.record_mode == "new":
            user.insert(0, Path(self.record_dir))
        return user + [shipped("scenarios")] if self.default_scenarios else user

    @property
    def replay_speed(self) -> float:
        """How fast recorded events are replayed: 1 as recorded, 0 at once, `x4` four times as fast."""
        return parse_replay_timing(self.replay_timing)


def parse_replay_timing(text: str) -> float:
    """`recorded` -> 1, `none` -> 0, `x2.5` -> 2.5 (ValueError otherwise)."""
    if text == "recorded":
        return 1.0
    if text == "none":
        return 0.0
    if text.startswith("x"):
        try:
            factor = float(text[1:])
        except ValueError:
            factor = 0.0
        if factor > 0 and factor != float("inf"):
            return factor
    raise ValueError(f"replay timing must be 'recorded', 'none' or x<factor> (x2 = twice as fast), not {text!r}")
