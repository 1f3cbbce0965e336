"""The mock passes its own contract: `mockserver contract` over every operation, streams and jobs included.

The command is the one users run against a real gateway (Schemathesis' checks plus the contract's body,
envelope, stream and job checks; `tests/test_contract_command.py` shows each catches a drift). The defaults
are a quick run; the environment asks for a deeper one (README, Tests):

- `CONTRACT_MAX_EXAMPLES` (default 2): cases per operation and kind;
- `CONTRACT_STATEFUL=1`: add Schemathesis' stateful sequences;
- `CONTRACT_NEGATIVE=0`: leave out the requests that break the schema;
- `CONTRACT_SCHEMATHESIS_CLI=1`: also run the Schemathesis CLI itself, every phase, with its own checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

MAX_EXAMPLES = os.environ.get("CONTRACT_MAX_EXAMPLES", "2")
STATEFUL = os.environ.get("CONTRACT_STATEFUL") == "1"
NEGATIVE = os.environ.get("CONTRACT_NEGATIVE", "1") != "0"


def test_the_mock_passes_mockserver_contract(make_server, tmp_path: Path) -> None:
    server = make_server(task_speed=0)
    junit = tmp_path / "contract.xml"
    command = [str(Path(sys.executable).with_name("mockserver")), "contract", server.url,
               "-H", "Authorization: Bearer sk-contract", "--max-examples", MAX_EXAMPLES, "--seed", "20261122",
               "--junit", str(junit), "--stateful" if STATEFUL else "--no-stateful",
               "--negative" if NEGATIVE else "--no-negative"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900 + 300 * int(MAX_EXAMPLES))
    print(result.stdout[-3000:])  # the summary (shown with -s)
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-4000:]
    suite = ET.parse(junit).getroot().find("testsuite")
    cases = {(case.get("classname"), case.get("name")) for case in suite.iter("testcase")}
    assert int(suite.get("failures")) == 0 and int(suite.get("errors")) == 0
    assert len({op for op, _ in cases}) == 80  # every operation of the spec was checked
    for operation in ("createChatCompletion", "createCompletion", "createResponse", "createMessage",
                      "geminiStreamGenerateContent", "createSpeech", "createTranscription"):
        assert (operation, "stream_grammar_conformance") in cases and (operation, "streams_both_ways") in cases
    assert ("klingCreateText2Video", "job_lifecycle") in cases and ("sunoSubmitMusic", "job_lifecycle") in cases


def test_stateful_sequences_are_checked_and_metered(make_server) -> None:
    server = make_server(task_speed=0)
    command = [str(Path(sys.executable).with_name("mockserver")), "contract", server.url, "-H",
               "Authorization: Bearer sk-contract", "--operation", "createResponse", "--operation", "retrieveResponse",
               "--operation", "deleteResponse", "--max-examples", "2", "--stateful", "--budget", "24"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "  stateful sequences ." in result.stdout
    sent = int(result.stdout.split(" request(s) sent")[0].rsplit(" ", 1)[1])
    received = len(server.mock.services.state.journal.entries)  # what the mock saw, stateful steps included
    assert 0 < received == sent <= 24


# Every Schemathesis check but three inapplicable by design (README, Tests).
CLI_CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
    "response_headers_conformance", "negative_data_rejection", "missing_required_header", "unsupported_method",
    "allow_header_conformance", "use_after_free", "ensure_resource_availability",
])


@pytest.mark.skipif(os.environ.get("CONTRACT_SCHEMATHESIS_CLI") != "1", reason="deep run: CONTRACT_SCHEMATHESIS_CLI=1")
def test_the_schemathesis_cli_finds_nothing_either(server, tmp_path: Path) -> None:
    schemathesis = Path(sys.executable).with_name("schemathesis")
    command = [str(schemathesis), "run", server.url + "/openapi.json", "--checks", CLI_CHECKS, "--mode", "all",
               "--max-examples", MAX_EXAMPLES, "--seed", "20261122", "--no-shrink",
               "--phases", "examples,coverage,fuzzing" + (",stateful" if STATEFUL else ""),
               "--header", "Authorization: Bearer sk-contract", "--warnings", "off", "--report-dir", str(tmp_path),
               "--request-timeout", "30"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600 + 120 * int(MAX_EXAMPLES))
    print(result.stdout[result.stdout.rfind("SUMMARY"):])
    assert result.returncode == 0, result.stdout[-12000:]
