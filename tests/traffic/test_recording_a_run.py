"""--record-traffic end to end: a real run of the suite (with xdist workers) against the reference server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from har_rules import assert_valid_har

from conformance.traffic import (
    SUITE_TO_TARGET,
    TARGET_TO_RECORDING_SERVER,
    TARGET_TO_SIGNALING_SERVER,
    read_har,
)

SELECTION = "welcome or video_recording_from_start_to_stop or report_of_an_unknown_type"


def run_suite(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("TALK_CONFORMANCE_")}
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", "--report-dir", str(tmp_path / "report"), *args],
        cwd=tmp_path,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp_path = tmp_path_factory.mktemp("traffic")
    result = run_suite(tmp_path, "--record-traffic", "run.har", "--", "-n", "2", "-k", SELECTION)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "exchanges written to" in result.stdout
    return read_har(tmp_path / "run.har")


def test_the_recording_is_a_valid_har_with_timings(recorded):
    assert_valid_har(recorded)
    entries = recorded["log"]["entries"]
    assert entries and all(item["time"] >= 0 and "wait" in item["timings"] for item in entries)
    assert recorded["log"]["creator"]["name"] == "talk-conformance"


def test_both_workers_and_the_stand_in_are_in_it(recorded):
    entries = recorded["log"]["entries"]
    legs = {item["_leg"] for item in entries}
    assert legs == {SUITE_TO_TARGET, TARGET_TO_RECORDING_SERVER, TARGET_TO_SIGNALING_SERVER}
    scenarios = {item["_scenario"] for item in entries if item["_leg"] == SUITE_TO_TARGET}
    assert "A video recording from start to stop" in scenarios
    assert "The administrator reads the welcome message of the first recording server" in scenarios
    # What the target told the fake recording server carries the scenario whose room it concerns.
    messages = [
        item
        for item in entries
        if item["_leg"] == TARGET_TO_RECORDING_SERVER
        and item["_scenario"] == "A video recording from start to stop"
    ]
    kinds = [json.loads(item["request"]["postData"]["text"])["type"] for item in messages]
    assert kinds == ["start", "stop"]
    # Talk notifies the signaling stand-in of the room's changes, as Talk 22 does its signaling server.
    signaling = [
        item
        for item in entries
        if item["_leg"] == TARGET_TO_SIGNALING_SERVER
        and item["_scenario"] == "A video recording from start to stop"
    ]
    assert signaling and all(item["response"]["status"] == 200 for item in signaling)
    welcome = [
        item
        for item in entries
        if item["request"]["url"].endswith("/api/v1/welcome") and item["_leg"] == TARGET_TO_RECORDING_SERVER
    ]
    asked = [item for item in entries if "/recording/welcome/" in item["request"]["url"]]
    asked = [item for item in asked if item["_scenario"]]
    # The preflight asks too, outside every scenario; and under -n 2 a welcome check that overlaps another
    # worker's request cannot be given one scenario by time (label_by_room), so only the ask is checked.
    assert welcome and asked


def test_nothing_secret_is_in_it(recorded):
    text = json.dumps(recorded)
    assert "the recording secret" not in text
    headers = [header for item in recorded["log"]["entries"] for header in item["request"]["headers"]]
    assert all(header["value"] == "[REDACTED]" for header in headers if header["name"] == "Authorization")


def test_the_profile_key_records_too(tmp_path):
    (tmp_path / "profile.yaml").write_text("record_traffic: from-profile.har\n", encoding="utf-8")
    result = run_suite(tmp_path, "--target-profile", "profile.yaml", "--", "-k", "first_recording_server")
    assert result.returncode == 0, result.stdout[-2000:]
    assert read_har(tmp_path / "from-profile.har")["log"]["entries"]
