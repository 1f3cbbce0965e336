"""Schemathesis runs the spec against the live mock: no 5xx, no answer that breaks the spec.

Every operation is generated (an operation Schemathesis cannot generate from is a schema error and fails
the run). The defaults are a quick run; the environment asks for a deeper one (README, Tests):

- `CONTRACT_MAX_EXAMPLES` (default 3): cases per operation and phase;
- `CONTRACT_PHASES` (default `examples,coverage,fuzzing`): add `stateful` for the linked-operation phase;
- `CONTRACT_MODE` (default `all`): `positive`, `negative` or `all` (both).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Every Schemathesis check but three that do not apply by design:
# - `ignored_auth`: the mock accepts any key unless started with --api-key (tested in test_foundation_http.py);
# - `positive_data_acceptance`: like the providers, the mock refuses schema-valid requests that break a rule
#   the schema cannot state (thinking.budget_tokens below max_tokens, a tool_result naming an issued tool_use,
#   an unknown previous_response_id, sizes per model, an upload that is no image or audio), with a 400;
# - `object_level_authorization`: one tenant; stored responses and jobs are not owned by a key.
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
    "response_headers_conformance", "negative_data_rejection", "missing_required_header", "unsupported_method",
    "allow_header_conformance", "use_after_free", "ensure_resource_availability",
])
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "3"))
PHASES = os.environ.get("CONTRACT_PHASES", "examples,coverage,fuzzing")
MODE = os.environ.get("CONTRACT_MODE", "all")


def test_schemathesis_finds_no_server_error_and_no_schema_violation(server, tmp_path: Path) -> None:
    schemathesis = Path(sys.executable).with_name("schemathesis")
    command = [str(schemathesis), "run", server.url + "/openapi.json", "--checks", CHECKS,
               "--mode", MODE, "--max-examples", str(MAX_EXAMPLES), "--seed", "20261122", "--no-shrink",
               "--phases", PHASES, "--header", "Authorization: Bearer sk-contract",
               "--warnings", "off", "--report-dir", str(tmp_path), "--request-timeout", "30"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600 + 120 * MAX_EXAMPLES)
    print(result.stdout[result.stdout.rfind("SUMMARY"):])  # phases, case count, failures (shown with -s)
    assert result.returncode == 0, result.stdout[-12000:]
