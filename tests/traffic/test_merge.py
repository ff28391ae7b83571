"""Merging a run's traffic: what the target sent gets the scenario that caused it."""

from __future__ import annotations

from conformance.traffic import SUITE_TO_TARGET, TARGET_TO_RECORDING_SERVER, TARGET_TO_SIGNALING_SERVER
from conformance.traffic._merge import label_by_room


def entry(leg: str, method: str, url: str, started: str, ms: float, scenario: str | None) -> dict:
    return {
        "_leg": leg,
        "_scenario": scenario,
        "startedDateTime": f"2026-12-02T03:00:{started}Z",
        "time": ms,
        "request": {"method": method, "url": url},
    }


def test_a_welcome_check_goes_to_the_scenario_that_asked_not_to_a_conversation_made_meanwhile() -> None:
    asked = entry(SUITE_TO_TARGET, "GET", "http://t/ocs/v2.php/apps/spreed/api/v1/recording/welcome/0",
                  "00.000", 400, "The administrator reads the welcome message")  # fmt: skip
    # The next scenario's conversation, made ahead while the welcome check waits for its answer.
    ahead = entry(SUITE_TO_TARGET, "POST", "http://t/ocs/v2.php/apps/spreed/api/v4/room",
                  "00.100", 300, "A video recording from start to stop")  # fmt: skip
    welcome = entry(TARGET_TO_RECORDING_SERVER, "GET", "http://fake/api/v1/welcome", "00.200", 5, None)
    other = entry(TARGET_TO_SIGNALING_SERVER, "POST", "http://stand-in/api/v1/backend", "00.250", 5, None)
    label_by_room([asked, ahead, welcome, other])
    assert welcome["_scenario"] == "The administrator reads the welcome message"
    assert other["_scenario"] == "A video recording from start to stop"  # no welcome: the one sent last
