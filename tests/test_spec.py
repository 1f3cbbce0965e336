"""The spec is sound, complete, and served as-is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from mockserver.spec import Spec
from mockserver.speccheck import spec_problems

SPEC = Spec.load()
FAMILIES = {"chat", "completions", "embeddings", "models", "audio", "images", "responses", "anthropic", "gemini",
            "midjourney", "ideogram", "kling", "luma", "pika", "runway", "veo", "hailuo", "suno"}


def test_spec_is_valid_openapi_and_every_example_matches_its_schema() -> None:
    assert spec_problems(SPEC) == []


def test_every_operation_is_named_documented_and_has_errors() -> None:
    ids = [op.operation_id for op in SPEC.operations]
    assert len(ids) == len(set(ids))
    for op in SPEC.operations:
        assert op.raw.get("operationId"), op.path
        assert op.default_example() is not None or op.handler_name, f"{op.operation_id} has no example"
        statuses = {int(s) for s in op.raw["responses"] if s.isdigit()}
        assert any(s >= 400 for s in statuses), f"{op.operation_id} documents no error response"
        public = op.raw.get("security") == []  # asset links such as /mj/image/{id} need no key
        assert (401 in statuses) != public, f"{op.operation_id}: a 401 is documented iff a key is required"
        if op.body_validators:
            assert 400 in statuses, f"{op.operation_id} documents no 400"


def test_every_documented_family_is_covered() -> None:
    tags = {tag for op in SPEC.operations for tag in op.raw.get("tags", [])}
    assert FAMILIES <= tags


def test_unconfirmed_operations_say_so() -> None:
    for op in SPEC.operations:
        if op.raw.get("x-mock-confidence") == "U":
            assert "unconfirmed" in (op.raw.get("description") or "").lower(), op.operation_id


def test_check_command_passes_on_the_shipped_spec() -> None:
    result = subprocess.run([sys.executable, "-m", "mockserver.cli", "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"{len(SPEC.operations)} operations, 0 problem(s)" in result.stdout


def test_check_command_reports_a_broken_example(tmp_path: Path) -> None:
    document = yaml.safe_load(SPEC.source.read_text())
    op = document["paths"]["/v1/chat/completions"]["post"]
    example = next(iter(op["responses"]["200"]["content"]["application/json"]["examples"].values()))
    example["value"]["choices"] = "not a list"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(document))
    result = subprocess.run([sys.executable, "-m", "mockserver.cli", "check", "--spec", str(broken)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "POST /v1/chat/completions 200" in result.stderr and "choices" in result.stderr


def test_check_command_reports_unreadable_yaml(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\npaths: [unclosed\n")
    result = subprocess.run([sys.executable, "-m", "mockserver.cli", "check", "--spec", str(broken)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "cannot load spec" in result.stderr and "line" in result.stderr


def test_routes_command_lists_every_operation() -> None:
    result = subprocess.run([sys.executable, "-m", "mockserver.cli", "routes"], capture_output=True, text=True)
    assert result.returncode == 0
    for op in SPEC.operations:
        assert op.operation_id in result.stdout


def test_the_server_serves_its_spec(server) -> None:
    as_yaml = httpx.get(server.url + "/openapi.yaml")
    assert as_yaml.status_code == 200 and yaml.safe_load(as_yaml.text)["openapi"].startswith("3.1")
    as_json = httpx.get(server.url + "/openapi.json").json()
    assert set(as_json["paths"]) == set(SPEC.document["paths"])


def test_health_probes(server) -> None:
    for path in ("/_mock/health", "/_x-steady/health"):
        response = httpx.get(server.url + path)
        assert response.status_code == 200 and response.json()["status"] == "ok"
