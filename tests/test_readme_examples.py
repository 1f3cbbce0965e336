"""Every shell example in README.md runs as printed against a live server, exits 0 and meets no HTTP error.

Blocks are found by their fence (```bash, ```sh, ```shell), so sections added later are covered too.
An HTML comment right before a block changes how it is run:

    <!-- readme-test: skip: why it cannot run here -->          never run (say why)
    <!-- readme-test: http-errors: why -->                      the block provokes 4xx answers on purpose (a 5xx still fails)
    <!-- readme-test: file path/in/cwd.yaml -->                 (any language) the block's text is written to
                                                               that file of the working directory first

The harness: blocks run under `set -euo pipefail`; the server runs with `--task-speed 0` on an ephemeral port (`127.0.0.1:4010` and
`localhost:4010` in a block point at it), `sleep` is a no-op, `curl` is called with `--fail-with-body`
(an HTTP error fails the block), Schemathesis draws few examples, and every answer the server gives
while a block runs must be below 400.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from conftest import RunningServer, start_server

README = Path(__file__).resolve().parents[1] / "README.md"
SHELLS = ("bash", "sh", "shell")
MARKER = re.compile(r"<!--\s*readme-test:\s*(skip|http-errors|file)\b[:\s]*(.*?)\s*-->")
DEFAULT_ADDRESS = re.compile(r"(?:127\.0\.0\.1|localhost):4010")
PRELUDE = "set -euo pipefail\nsleep() { :; }\n"
CURL = "#!/bin/sh\n# README harness: an HTTP error (>= 400) makes curl, and so the block, fail.\nexec {curl} --fail-with-body \"$@\"\n"
# Fewer cases than a user's run (tests/test_contract.py is the deep one): no coverage or stateful phase.
SCHEMATHESIS_CONFIG = ("[generation]\nmax-examples = 2\n\n[phases.coverage]\nenabled = false\n\n"
                       "[phases.stateful]\nenabled = false\n")


@dataclass
class Block:
    """A fenced code block of the README and the marker before it."""

    line: int
    language: str
    text: str
    marker: str | None = None
    argument: str = ""

    @property
    def id(self) -> str:
        return f"README.md:{self.line}"


def blocks(markdown: str) -> list[Block]:
    """Every fenced block, with the `readme-test` marker on the last non-blank line before it."""
    found: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        fence = re.match(r"^(`{3,})\s*([\w+-]*)", lines[index])
        if not fence:
            index += 1
            continue
        start, end = index, index + 1
        while end < len(lines) and not lines[end].startswith(fence.group(1)):
            end += 1
        before = next((lines[i] for i in range(start - 1, -1, -1) if lines[i].strip()), "")
        marker = MARKER.search(before)
        found.append(Block(line=start + 1, language=fence.group(2).lower(), text="\n".join(lines[start + 1:end]) + "\n",
                           marker=marker.group(1) if marker else None, argument=marker.group(2) if marker else ""))
        index = end + 1
    return found


def shell_blocks() -> list[Block]:
    return [b for b in blocks(README.read_text(encoding="utf-8")) if b.language in SHELLS]


@dataclass
class Harness:
    """The live server, the working directory and the environment blocks run in."""

    server: RunningServer
    cwd: Path
    env: dict[str, str]
    errors: list[str]

    def run(self, block: Block) -> subprocess.CompletedProcess:
        """Run one block (with the server's address substituted); collect HTTP errors the server answered."""
        httpx.post(self.server.url + "/_mock/reset").raise_for_status()  # each block starts from a fresh server
        self.errors.clear()
        script = PRELUDE + DEFAULT_ADDRESS.sub(self.server.url.removeprefix("http://"), block.text)
        return subprocess.run(["bash", "-c", script], cwd=self.cwd, env=self.env, capture_output=True, text=True,
                              timeout=600)

    def verdict(self, block: Block, result: subprocess.CompletedProcess) -> str | None:
        """Why the block failed, or None."""
        if result.returncode != 0:
            return f"exit {result.returncode}\nstdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        errors = [e for e in self.errors if block.marker != "http-errors" or " -> 5" in e]
        if errors:
            return "the server answered HTTP errors:\n" + "\n".join(errors[:20])
        return None


def make_harness(tmp_path: Path) -> Iterator[Harness]:
    """A server with --task-speed 0, a scratch directory with the README's files, curl that fails on errors."""
    running, stop = start_server(task_speed=0)
    errors: list[str] = []
    running.mock.observers.append(lambda ctx, request, status, answered_by, ms: errors.append(
        f"{request.method} {request.url.path} -> {status} ({answered_by})") if status >= 400 else None)
    tools = tmp_path / "bin"
    tools.mkdir()
    curl = tools / "curl"
    curl.write_text(CURL.format(curl=shutil.which("curl")))
    curl.chmod(0o755)
    cwd = tmp_path / "work"
    cwd.mkdir()
    (cwd / "schemathesis.toml").write_text(SCHEMATHESIS_CONFIG)
    for block in blocks(README.read_text(encoding="utf-8")):
        if block.marker == "file":
            target = cwd / block.argument
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text)
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    try:
        yield Harness(running, cwd, env, errors)
    finally:
        stop()


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Iterator[Harness]:
    yield from make_harness(tmp_path_factory.mktemp("readme"))


@pytest.mark.parametrize("block", shell_blocks(), ids=lambda b: b.id)
def test_readme_shell_block_runs(block: Block, harness: Harness) -> None:
    if block.marker == "skip":
        assert block.argument, f"{block.id}: a skipped block must say why"
        pytest.skip(f"{block.id}: {block.argument}")
    if shutil.which("jq") is None and "jq" in block.text:
        pytest.skip("jq is not installed")
    problem = harness.verdict(block, harness.run(block))
    assert problem is None, f"{block.id} failed: {problem}\n--- block ---\n{block.text}"


def test_readme_has_shell_examples_and_every_marker_says_why() -> None:
    found = shell_blocks()
    assert len(found) >= 5
    text = README.read_text(encoding="utf-8")
    for comment in re.findall(r"<!--\s*readme-test:.*?-->", text):
        assert MARKER.fullmatch(comment), f"unknown readme-test marker: {comment}"
    for block in blocks(README.read_text(encoding="utf-8")):
        if block.marker in ("skip", "http-errors", "file"):
            assert block.argument, f"{block.id}: marker '{block.marker}' needs an argument"


BROKEN_EXAMPLES = {
    # The scenario example as it once was: no key (401), then no content type (415).
    "no key": "curl -s localhost:4010/v1/chat/completions -H 'X-Mock-Scenario: refusal' \\\n"
              "     -d '{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n",
    "no content type": "curl -s localhost:4010/v1/chat/completions -H 'Authorization: Bearer sk-test' "
                       "-H 'X-Mock-Scenario: refusal' \\\n"
                       "     -d '{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n",
    "error in a pipe": "curl -s localhost:4010/v1/nothing-here -H 'Authorization: Bearer sk-test' | cat\n",
}


@pytest.mark.parametrize("text", BROKEN_EXAMPLES.values(), ids=BROKEN_EXAMPLES.keys())
def test_the_harness_fails_a_block_that_meets_an_http_error(text: str, harness: Harness) -> None:
    block = Block(line=0, language="bash", text=text)
    problem = harness.verdict(block, harness.run(block))
    assert problem is not None and "exit 22" in problem
    assert harness.errors and all(" -> 4" in e for e in harness.errors)
