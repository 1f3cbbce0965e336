"""Recordings per test, in `recordings/<test module>/<test name>/` beside the test file: which tests record,
which replay, and which lack the recording their module has."""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .handle import slug

FOLDER = "recordings"
MARK = "recorded.yaml"  # written by every recording run, so a test that forwarded nothing still has its folder


@dataclass(frozen=True)
class Plan:
    """What one test does with recordings: `record` (through the upstream), `replay` or `missing`."""

    mode: str
    folder: Path
    nodeid: str

    def server_settings(self, upstream: str | None, replay_timing: str) -> dict[str, Any]:
        """The settings of the server the test gets to itself."""
        if self.mode == "record":
            return {"upstream": upstream, "record_dir": self.folder, "record_mode": "all"}
        return {"scenario_dirs": (self.folder,), "strict": True, "replay_timing": replay_timing}

    def how_to_record(self) -> str:
        """The command that (re-)records this test."""
        return f"pytest --mockserver-record --mockserver-upstream URL '{self.nodeid}'"

    def missing_message(self) -> str:
        """Why a test of a recorded module cannot run, and what to do."""
        return (f"no recording of this test in {self.folder} (its module has recordings, so it replays them); "
                f"record it against the real API with: {self.how_to_record()}")

    def start(self) -> None:
        """An empty folder for a new recording (the previous one of this test is replaced)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)

    def finish(self, upstream: str) -> None:
        """Mark the folder as a recording of this test, even when nothing was forwarded."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        (self.folder / MARK).write_text(f"# Recorded by the mockserver pytest plugin: {self.nodeid}\n"
                                        f"# from {upstream} on {stamp}. Its exchanges are the other files here.\n"
                                        "scenarios: []\n", encoding="utf-8")


def folder_of(test_file: Path, test_name: str) -> Path:
    """`recordings/<module>/<test name>` beside the test file (a name with odd characters gets a short hash)."""
    name = slug(test_name, limit=80)
    if name != test_name:
        name += "-" + hashlib.blake2b(test_name.encode(), digest_size=3).hexdigest()
    return test_file.parent / FOLDER / test_file.stem / name


def plan_for(test_file: Path, test_name: str, nodeid: str, record: bool) -> Plan | None:
    """Record (when asked), replay the test's folder, fail when its module has recordings but it has none."""
    folder = folder_of(test_file, test_name)
    if record:
        return Plan("record", folder, nodeid)
    if folder.is_dir():
        return Plan("replay", folder, nodeid)
    if folder.parent.is_dir():
        return Plan("missing", folder, nodeid)
    return None
