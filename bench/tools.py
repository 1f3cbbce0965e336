"""The outside tools: wrk (Debian package) and the npm peers steady and aimock, installed only when missing."""

from __future__ import annotations

import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from shapes import STREAM_TOKENS

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / ".peers"
# Pinned so two runs compare like with like; bump deliberately.
NPM_PACKAGES = {"steady": "@stdy/cli@0.22.2", "aimock": "@copilotkit/aimock@1.43.0"}
AIMOCK_CLI = PEERS / "node_modules" / "@copilotkit" / "aimock" / "dist" / "cli.js"
STEADY_JS = PEERS / "node_modules" / "@stdy" / "cli" / "steady.js"


@dataclass
class Tool:
    """A tool the harness needs: the command to run it (None when unavailable) and what we know about it."""

    argv: list[str] | None
    version: str
    note: str = ""


def _run(argv: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def ensure_wrk(install: bool) -> Tool:
    """wrk from PATH, or `apt-get install wrk` when we may (root, apt-get present, installs allowed)."""
    if not shutil.which("wrk") and install:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            return Tool(None, "", "wrk is missing and cannot be installed here (needs root and apt-get)")
        print("bench: installing wrk (apt-get install wrk)", file=sys.stderr)
        update = _run(["apt-get", "update", "-qq"])
        done = _run(["apt-get", "install", "-y", "-qq", "wrk"]) if update.returncode == 0 else update
        if done.returncode:
            return Tool(None, "", f"apt-get could not install wrk: {(done.stderr or done.stdout).strip()[-300:]}")
    path = shutil.which("wrk")
    if path is None:
        return Tool(None, "", "wrk is missing (installs disabled)")
    version = (_run([path, "-v"]).stdout.splitlines() or [""])[0].split(" Copyright")[0]
    return Tool([path], version)


def _installed_version(package_dir: Path) -> str | None:
    try:
        return json.loads((package_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def ensure_peers(install: bool) -> dict[str, Tool]:
    """steady and aimock from bench/.peers/ (`npm install --prefix` there when missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        return {name: Tool(None, "", "node is not installed") for name in NPM_PACKAGES}
    missing = [spec for name, spec in NPM_PACKAGES.items() if not _peer_present(name)]
    note = ""
    if missing and install:
        if npm is None:
            note = "npm is not installed"
        else:
            print(f"bench: installing {' '.join(missing)} into {PEERS.relative_to(ROOT)}/", file=sys.stderr)
            PEERS.mkdir(parents=True, exist_ok=True)
            done = _run([npm, "install", "--prefix", str(PEERS), "--no-audit", "--no-fund", *missing])
            if done.returncode:
                note = f"npm install failed: {(done.stderr or done.stdout).strip()[-300:]}"
    elif missing:
        note = "not installed (installs disabled)"
    tools = {}
    for name in NPM_PACKAGES:
        if not _peer_present(name):
            tools[name] = Tool(None, "", note or "missing after npm install")
        elif name == "steady":
            tools[name] = Tool(_steady_argv(node), _installed_version(STEADY_JS.parent) or "?")
        else:
            tools[name] = Tool([node, str(AIMOCK_CLI)], _installed_version(AIMOCK_CLI.parent.parent) or "?")
    return tools


def _peer_present(name: str) -> bool:
    return (STEADY_JS if name == "steady" else AIMOCK_CLI).exists()


def _steady_argv(node: str) -> list[str]:
    """steady's native binary itself (its npm wrapper would put a node process between us and the server)."""
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower(), "")
    binary = PEERS / "node_modules" / "@stdy" / f"cli-{sys.platform}-{arch}" / "bin" / "steady"
    return [str(binary)] if binary.exists() else [node, str(STEADY_JS)]


def aimock_fixtures(path: Path) -> Path:
    """Write aimock's fixtures: embeddings, a 64-chunk stream and a catch-all for any other message (last)."""
    rng = random.Random(0)
    vector = [rng.gauss(0, 1) for _ in range(1536)]
    norm = math.sqrt(sum(v * v for v in vector))
    words = "".join(f" w{i:03d}" for i in range(STREAM_TOKENS))  # 5 characters a chunk, like the mock's words
    fixtures = {"fixtures": [
        {"match": {"endpoint": "embedding"}, "response": {"embedding": [v / norm for v in vector]}},
        {"match": {"userMessage": "[bench:stream]"}, "response": {"content": words}, "chunkSize": 5},
        {"match": {}, "response": {"content": (
            "You asked a question and this fixture answers it with a fixed text of about the length of the "
            "mock's default reply, so both send similar bytes. Scenarios can script any reply you need.")}},
    ]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fixtures))
    return path
