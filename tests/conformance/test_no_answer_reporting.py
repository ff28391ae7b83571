"""A request that gets no answer is one line naming the request and the limit, never urllib3's traceback."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from ocs_stand_in import capabilities_only, ocs_stand_in

pytest_plugins = ["pytester"]

FEATURE = """\
Feature: A slow target
  Scenario: the target keeps silent
    Given a request to a silent target

  Scenario: the database is locked
    Given an answer of a locked SQLite database
"""

STEPS = """\
import os
import pytest
import requests
from pytest_bdd import given, scenarios

pytestmark = pytest.mark.usefixtures("conformance_run")
scenarios("features")

@given("a request to a silent target")
def silent():
    requests.get(os.environ["SILENT_URL"] + "/ocs/v2.php/apps/spreed/api/v4/room", timeout=0.3)

@given("an answer of a locked SQLite database")
def locked():
    assert False, "expected 200, got 500: {'message': 'SQLSTATE[HY000]: General error: 5 database is locked'}"
"""


@pytest.fixture
def target() -> Iterator[str]:
    with ocs_stand_in(capabilities_only) as url:
        yield url


def test_a_timeout_is_an_error_of_one_line(
    pytester: pytest.Pytester, monkeypatch, target: str, no_profile_in_environment: None
) -> None:
    monkeypatch.setenv("TALK_CONFORMANCE_URL", target)
    monkeypatch.setenv("TALK_CONFORMANCE_CONFIGURE_RECORDING", "false")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setenv("SILENT_URL", f"http://127.0.0.1:{silent.getsockname()[1]}")
        (pytester.path / "features").mkdir()
        (pytester.path / "features" / "slow.feature").write_text(FEATURE, encoding="utf-8")
        pytester.makepyfile(test_slow=STEPS)
        result = pytester.runpytest("--conformance-report-dir", "reports")
    summary = json.loads((pytester.path / "reports" / "summary.json").read_text(encoding="utf-8"))
    scenario, locked = summary["scenarios"]
    assert locked["verdict"] == "error" and "the target's database was locked" in locked["message"]
    assert scenario["verdict"] == "error"
    assert scenario["message"] == (
        "error in call of scenario 'the target keeps silent': GET /ocs/v2.php/apps/spreed/api/v4/room"
        " did not get an answer: no answer within 0.3 s (the request's timeout)"
    )
    output = result.stdout.str()
    assert "urllib3" not in output and "Traceback" not in output and "ReadTimeoutError" not in output
