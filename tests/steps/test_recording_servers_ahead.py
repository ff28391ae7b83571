"""The end-to-end group's reference recording servers start with the session when a scenario needs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.target import RunContext, load_profile
from steps.recorder_end_to_end import RealRecordingServers, uses_real_recording_server

pytest_plugins = ["pytester"]

FEATURE = """\
Feature: Two groups
  Scenario: with a real recording server
    Given a real recording server records for the target

  Scenario: with one that cannot record
    Given the real recording server cannot record

  Scenario: with the fake
    Given a conversation with a moderator and a participant
"""

BACKGROUND_FEATURE = """\
Feature: A group whose background sets it up
  Background:
    Given a real recording server records for the target

  Scenario: recorded
    Then nothing
"""

FAKE_ONLY_FEATURE = """\
Feature: Only the fake
  Scenario: with the fake
    Given a conversation with a moderator and a participant
"""

BINDING = """\
from pytest_bdd import scenarios

scenarios("features")
"""


def collected(pytester: pytest.Pytester, **features: str) -> dict[str, pytest.Item]:
    (pytester.path / "features").mkdir()
    for name, text in features.items():
        (pytester.path / "features" / f"{name}.feature").write_text(text, encoding="utf-8")
    pytester.makepyfile(test_binding=BINDING)
    items, _ = pytester.inline_genitems()
    return {item.name: item for item in items}


def run_context(recording_server: str | None) -> RunContext:
    env = {"TALK_CONFORMANCE_RECORDING_SERVER": recording_server} if recording_server else {}
    # A loopback port nobody listens on: the recording servers only start, nothing asks them to record.
    profile = load_profile("http://127.0.0.1:9", env=env)
    return RunContext(profile, "http://127.0.0.1:9", "", "", Path("lock"))


def test_the_scenarios_that_set_a_real_recording_server_up_are_recognised(pytester: pytest.Pytester) -> None:
    items = collected(pytester, groups=FEATURE, background=BACKGROUND_FEATURE)
    needs = {name.removeprefix("test_"): uses_real_recording_server(item) for name, item in items.items()}
    assert needs == {
        "with_a_real_recording_server": True,
        "with_one_that_cannot_record": True,
        "with_the_fake": False,
        "recorded": True,
    }


def test_both_start_ahead_when_a_scenario_needs_them(pytester: pytest.Pytester) -> None:
    items = collected(pytester, groups=FEATURE)
    servers = RealRecordingServers()
    try:
        servers.start_ahead(run_context("reference"), list(items.values()))
        started = {kind: future.result(timeout=30).url for kind, future in servers._started.items()}
        assert sorted(started) == ["failing", "faithful"]
        assert all(url.startswith("http://127.0.0.1:") for url in started.values())
    finally:
        servers.stop()


@pytest.mark.parametrize(
    ("recording_server", "feature"),
    [("reference", FAKE_ONLY_FEATURE), (None, FEATURE)],
    ids=["no scenario needs them", "the profile names no reference recording server"],
)
def test_none_start_ahead(pytester: pytest.Pytester, recording_server: str | None, feature: str) -> None:
    items = collected(pytester, groups=feature)
    servers = RealRecordingServers()
    try:
        servers.start_ahead(run_context(recording_server), list(items.values()))
        assert servers._started == {}
    finally:
        servers.stop()
