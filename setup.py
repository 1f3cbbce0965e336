"""Build hook: put the repository's `specs/` and `scenarios/` into the wheel as package data.

They stay at the top of the repository (the single source); the build copies them to
`mockserver/_shipped/` so an installed server finds them without this checkout. Editable
installs skip the copy and read the checkout directly (see `mockserver.settings.shipped`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = {"specs": ("gateway.openapi.yaml",), "scenarios": ("**/*.yaml", "**/*.yml", "**/*.json")}


class build_py_with_shipped(build_py):
    """`build_py`, plus the shipped spec and scenarios under `mockserver/_shipped/`."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        self.remove_stale(Path(self.build_lib, "mockserver", "_shipped"))
        for folder, patterns in SHIPPED.items():
            for pattern in patterns:
                for source in sorted((ROOT / folder).glob(pattern)):
                    target = Path(self.build_lib, "mockserver", "_shipped", folder, source.relative_to(ROOT / folder))
                    self.mkpath(str(target.parent))
                    self.copy_file(str(source), str(target))

    def remove_stale(self, directory: Path) -> None:
        """Forget what an earlier build copied (a scenario since deleted must not ship)."""
        if directory.is_dir():
            shutil.rmtree(directory)


setup(cmdclass={"build_py": build_py_with_shipped})
