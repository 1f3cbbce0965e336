"""A wheel built from this repository, installed in a fresh venv, serves from any directory.

Builds the wheel (pip, isolated build), creates a venv outside the checkout, installs the wheel there
(dependencies come from pip's cache and the configured indexes) and runs its `mockserver` from an
empty directory. About half a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from cli_helpers import cli_server, run_cli
from mockserver.scenarios.loader import load_dir

ROOT = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": "Bearer sk-test"}


@dataclass
class Installed:
    """The built wheel and the venv it was installed into."""

    wheel: Path
    bin: Path
    home: Path

    @property
    def mockserver(self) -> list[str]:
        return [str(self.bin / "mockserver")]


def _run(command: list[str], **kw) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, **kw)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """Build the wheel and install it into a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp / "dist"), str(ROOT)])
    wheel = next((tmp / "dist").glob("mockserver-*.whl"))
    venv.create(tmp / "venv", with_pip=True)
    bin_dir = tmp / "venv" / "bin"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)])
    home = tmp / "home"
    home.mkdir()
    return Installed(wheel, bin_dir, home)


def test_the_wheel_carries_the_spec_and_every_shipped_scenario(installed):
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        spec = wheel.read("mockserver/_shipped/specs/gateway.openapi.yaml")
    assert spec == (ROOT / "specs" / "gateway.openapi.yaml").read_bytes()
    shipped = {n.removeprefix("mockserver/_shipped/scenarios/") for n in names if "/_shipped/scenarios/" in n}
    assert shipped == {p.name for p in (ROOT / "scenarios").glob("*.yaml")}
    assert "mockserver/__main__.py" in names


def test_version_and_python_dash_m(installed):
    expected = f"mockserver {version('mockserver')}"
    for command in (installed.mockserver, [str(installed.bin / "python"), "-m", "mockserver"]):
        result = run_cli("--version", cwd=installed.home, command=command)
        assert result.returncode == 0 and result.stdout.strip() == expected, result


def test_check_finds_the_installed_spec_and_scenarios(installed):
    result = run_cli("check", cwd=installed.home, command=installed.mockserver)
    shipped_count = len(load_dir(ROOT / "scenarios").scenarios)
    assert result.returncode == 0, result.stderr
    site = installed.bin.parent / "lib"
    assert f"spec: {site}" in result.stdout and "site-packages/mockserver/_shipped/specs/gateway.openapi.yaml" \
        in result.stdout
    assert f"site-packages/mockserver/_shipped/scenarios: {shipped_count} loaded, 0 error(s)" in result.stdout


def test_serve_answers_and_has_the_shipped_scenarios(installed):
    repo_names = {s.name for s in load_dir(ROOT / "scenarios").scenarios}
    with cli_server("--task-speed", "0", cwd=installed.home, command=installed.mockserver) as server:
        assert "site-packages/mockserver/_shipped/specs/gateway.openapi.yaml" in server.log()
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}
        reply = httpx.post(server.url + "/v1/chat/completions", json=body, headers=AUTH, timeout=10)
        assert reply.status_code == 200 and "Hello" in reply.json()["choices"][0]["message"]["content"]
        listed = httpx.get(server.url + "/_mock/scenarios", timeout=10).json()
        assert {s["name"] for s in listed["data"]} == repo_names
        refusal = httpx.post(server.url + "/v1/chat/completions", json={**body, "model": "mock-refusal"}, headers=AUTH,
                             timeout=10)
        assert refusal.json()["choices"][0]["message"]["refusal"].startswith("I'm sorry")
        assert httpx.get(server.url + "/openapi.json", timeout=10).json()["openapi"].startswith("3.1")


def test_contract_without_its_extra_says_how_to_install_it(installed):
    """The plain install has no Schemathesis: `contract` says which extra brings it, and exits 2."""
    result = run_cli("contract", "http://127.0.0.1:4010", cwd=installed.home, command=installed.mockserver)
    assert result.returncode == 2
    assert "pip install 'mockserver[contract]'" in result.stderr
