"""schemathesis against the real hub process: generated requests to every endpoint, a bounded
number per endpoint, must get no server error and no response outside the OpenAPI document."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e import hubload

MAX_EXAMPLES = 100    # per endpoint and phase: about 400 requests, under a minute

# Every check but one: "positive_data_acceptance" expects any schema-valid body to be
# accepted, and a schema cannot say what a signed, encrypted bundle or a signed enrollment
# request is: random bytes are rightly refused with 400.
EXCLUDED = "positive_data_acceptance"


def run_schemathesis(url: str, report, max_examples: int = MAX_EXAMPLES
                     ) -> tuple[subprocess.CompletedProcess, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
         "--checks", "all", "--exclude-checks", EXCLUDED, "--max-examples", str(max_examples),
         "--seed", "13", "--workers", "1", "--request-timeout", "30",
         "--report", "json", "--report-json-path", str(report)],
        capture_output=True, text=True, timeout=600, check=False)
    return done, json.loads(report.read_text())


@pytest.fixture
def hub(tmp_path):
    running = hubload.start_hub(*hubload.init_district(tmp_path))
    yield running
    running.stop()


def test_no_server_error_and_no_response_outside_the_schema(hub, tmp_path):
    done, report = run_schemathesis(hub.url, tmp_path / "schemathesis.json")
    cases = report["test_cases"]
    print(f"\nschemathesis: {report['operations']['tested']} operations, "
          f"{cases['generated']} test cases, {cases['with_failures']} with failures, "
          f"{len(report['errors'])} errors")
    assert report["operations"]["tested"] == 4
    assert cases["generated"] > 100
    assert cases["with_failures"] == 0 and not report["errors"], done.stdout[-6000:]
    assert done.returncode == 0, done.stdout[-6000:]
    assert hubload.health(hub.port) < 5
