"""Read scenario files; every error names its file and line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .model import Scenario, ScenarioError, build_scenarios

SUFFIXES = (".yaml", ".yml", ".json")


class Located(dict):
    """A mapping that remembers the line it (and each key) started on."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings carry 1-based line numbers."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Located:  # type: ignore[override]
        plain = super().construct_mapping(node, deep=True)
        located = Located(plain)
        located.line = node.start_mark.line + 1
        located.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
        return located


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)


@dataclass
class LoadReport:
    """The scenarios that loaded and the errors of those that did not."""

    scenarios: list[Scenario]
    errors: list[ScenarioError]
    shadowed: list[str] = field(default_factory=list)  # shipped scenarios a user's file of the same name replaces

    def text(self) -> str:
        """One line per error: `file:line: reason`."""
        return "\n".join(str(e) for e in self.errors)


def parse_text(text: str, source: str) -> tuple[list[Scenario], list[ScenarioError]]:
    """Scenarios from YAML (or JSON) text; `source` names it in errors."""
    try:
        document = yaml.load(text, Loader=_LineLoader) if text.strip() else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        return [], [ScenarioError(source, line, f"invalid YAML: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return [], [ScenarioError(source, 0, f"invalid YAML: {exc}")]
    if document is None:
        return [], []
    return build_scenarios(document, source)


def load_file(path: Path) -> tuple[list[Scenario], list[ScenarioError]]:
    """Scenarios of one file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [ScenarioError(str(path), 0, f"cannot read: {exc}")]
    return parse_text(text, str(path))


def scenario_files(directory: Path) -> list[Path]:
    """The scenario files of a directory (recursively), in a stable order."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.suffix in SUFFIXES and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(directory).parts))


def load_dir(directory: Path) -> LoadReport:
    """Every scenario of one directory; duplicate names are errors."""
    return load_dirs([directory])


def load_dirs(directories: list[Path], shipped: Path | None = None) -> LoadReport:
    """Every scenario of several directories, in order; duplicate names are errors.

    A scenario of the `shipped` directory is replaced by one of the same name from another directory.
    Errors come in file order: the directories as given, each file's errors by line.
    """
    scenarios: list[Scenario] = []
    errors: list[ScenarioError] = []
    order: dict[str, int] = {}
    shipped = shipped.resolve() if shipped is not None else None
    unique: dict[Path, Path] = {}
    for directory in directories:
        unique.setdefault(directory.resolve(), directory)  # a directory named twice is read once
    for resolved, directory in unique.items():
        if not directory.is_dir():
            errors.append(ScenarioError(str(directory), 0, "no such directory"))
            order.setdefault(str(directory), len(order))
            continue
        for path in scenario_files(directory):
            order.setdefault(str(path), len(order))
            found, problems = load_file(path)
            for scenario in found:
                scenario.shipped = resolved == shipped
            scenarios += found
            errors += problems
    replaced = {s.name for s in scenarios if not s.shipped}
    kept = [s for s in scenarios if not (s.shipped and s.name in replaced)]
    seen: dict[str, Scenario] = {}
    for scenario in kept:
        if scenario.name in seen:
            first = seen[scenario.name]
            errors.append(ScenarioError(scenario.source, scenario.line, f"duplicate scenario name '{scenario.name}' "
                                                                        f"(first defined at {first.source}:{first.line})"))
        else:
            seen[scenario.name] = scenario
    errors.sort(key=lambda e: (order.get(e.source, len(order)), e.line))
    shadowed = [s.name for s in scenarios if s.shipped and s.name in replaced]
    return LoadReport(list(seen.values()), errors, shadowed)


def dump_yaml(document: object) -> str:
    """A scenario document (or list of them) as YAML, keys in their written order, for people to read and edit."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def parse_upload(raw: bytes, content_type: str, source: str = "request body") -> tuple[list[Scenario],
                                                                                     list[ScenarioError]]:
    """Scenarios POSTed to the admin API as YAML or JSON; `source` names them in errors (the client's file)."""
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            json.loads(text)
        except ValueError as exc:
            return [], [ScenarioError(source, 0, f"invalid JSON: {exc}")]
    return parse_text(text, source)
