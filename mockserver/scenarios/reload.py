"""Notice changed scenario files (polled at most twice a second, from the request path)."""

from __future__ import annotations

import time
from pathlib import Path

from .loader import scenario_files

INTERVAL_S = 0.5


class Watcher:
    """Compares the directories' files and mtimes with the last snapshot."""

    def __init__(self, directories: list[Path]) -> None:
        self.directories = directories
        self._seen = self._stamp()
        self._checked = time.monotonic()

    def _stamp(self) -> dict[Path, tuple[float, int]]:
        stamps = {}
        for path in (p for directory in self.directories for p in scenario_files(directory)):
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps[path] = (stat.st_mtime, stat.st_size)
        return stamps

    def snapshot(self) -> None:
        """Take the current state as seen."""
        self._seen = self._stamp()
        self._checked = time.monotonic()

    def due(self) -> bool:
        """Whether it is time to look at the files again (the request path asks; it must be cheap)."""
        return time.monotonic() - self._checked >= INTERVAL_S

    def changed(self, *, force: bool = False) -> bool:
        """Whether files were added, removed or edited since the last look (throttled unless `force`)."""
        now = time.monotonic()
        if not force and now - self._checked < INTERVAL_S:
            return False
        self._checked = now
        stamps = self._stamp()
        if stamps == self._seen:
            return False
        self._seen = stamps
        return True
