"""Conversations made ahead: the next scenario's conversation exists while the one before it runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.target._embedded_server import EmbeddedServer
from conformance.target._profile import Account
from conformance.target._setup_driver import TALK, TalkSession

pytest_plugins = ["pytester"]

MODERATOR = Account("participant1", "123456")

FEATURE = """\
Feature: Conversations made ahead
  Background:
    Given a conversation with a moderator and a participant

  Scenario: first
    Then the conversation of "second" exists before this scenario ends

  Scenario: second
    Then this scenario's conversation is named after it
"""

# The real step library, plus two steps that look at the target from outside the suite.
STEPS = """\
import os
import time

import pytest
from pytest_bdd import parsers, scenarios, then
from steps import fixtures, rooms
from steps.conversations_ahead import ConversationsAhead

pytestmark = pytest.mark.usefixtures("conformance_run")  # a suite scenario, like the bundled ones
world = fixtures.world
conversations_ahead = fixtures.conversations_ahead
real_recording_servers = fixtures.real_recording_servers
globals().update({name: value for name, value in vars(rooms).items() if name.startswith("pytestbdd_")})
scenarios("features")


def room_names(world):
    data = world.session("moderator").ocs("GET", "/ocs/v2.php/apps/spreed/api/v4/room")
    return {room["name"] for room in data}


@then(parsers.parse('the conversation of "{other}" exists before this scenario ends'))
def other_exists(world, other):
    wanted = f"{world.profile.run_id} {other}"
    deadline = time.monotonic() + float(os.environ.get("AHEAD_WAIT", "10"))
    while wanted not in room_names(world):
        assert time.monotonic() < deadline, f"no conversation {wanted!r} while {world.scenario!r} ran"
        time.sleep(0.05)
    assert "FAIL_AFTER_SEEING_IT" not in os.environ, "stopping the run here"


@then("this scenario's conversation is named after it")
def named(world):
    room = world.session("moderator").ocs("GET", f"/ocs/v2.php/apps/spreed/api/v4/room/{world.room}")
    assert room["name"] == f"{world.profile.run_id} second"
"""


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with EmbeddedServer(work_dir=tmp_path_factory.mktemp("reference")) as server:
        yield server.url


@pytest.fixture
def suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, target: str, no_profile_in_environment: None
) -> pytest.Pytester:
    monkeypatch.setenv("TALK_CONFORMANCE_URL", target)
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "ahead.feature").write_text(FEATURE, encoding="utf-8")
    pytester.makepyfile(test_ahead=STEPS)
    return pytester


def rooms_of_run(target: str, run_id: str) -> list[str]:
    session = TalkSession(target, MODERATOR, 10.0)
    try:
        names = [room["name"] for room in session.ocs("GET", f"{TALK}/room")]
        return [name for name in names if name.startswith(run_id)]
    finally:
        session.close()


def har_entries(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]


def test_the_next_conversation_is_made_while_a_scenario_runs_under_its_own_label(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.setenv("TALK_CONFORMANCE_RUN_ID", "tcahead1")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "--record-traffic", "run.har")
    result.assert_outcomes(passed=2)
    creations = [
        entry["_scenario"]
        for entry in har_entries(suite.path / "run.har")
        if entry["request"]["method"] == "POST" and entry["request"]["url"].endswith("/api/v4/room")
    ]
    assert creations == ["first", "second"]
    assert rooms_of_run(target, "tcahead1") == []


def test_a_conversation_no_scenario_claimed_is_deleted_at_the_end(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.setenv("TALK_CONFORMANCE_RUN_ID", "tcahead2")
    monkeypatch.setenv("FAIL_AFTER_SEEING_IT", "1")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-x")
    result.assert_outcomes(failed=1)  # -x: the second scenario never ran, its conversation was made
    assert "stopping the run here" in result.stdout.str()
    assert rooms_of_run(target, "tcahead2") == []


def test_without_background_setup_nothing_is_made_ahead(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.setenv("TALK_CONFORMANCE_RUN_ID", "tcahead3")
    monkeypatch.setenv("TALK_CONFORMANCE_BACKGROUND_SETUP", "false")
    monkeypatch.setenv("AHEAD_WAIT", "1")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "--record-traffic", "run.har")
    result.assert_outcomes(failed=1, passed=1)
    assert "no conversation 'tcahead3 second' while 'first' ran" in result.stdout.str()
    entries = har_entries(suite.path / "run.har")
    suite_leg = [entry for entry in entries if entry.get("_leg") == "suite-to-target"]
    ordered = sorted(suite_leg, key=lambda entry: entry["startedDateTime"])
    labels = [entry["_scenario"] for entry in ordered if entry["_scenario"]]
    assert labels == sorted(labels, key=["first", "second"].index), "one scenario's request inside the other"
    assert rooms_of_run(target, "tcahead3") == []


if sys.platform == "win32":  # pragma: no cover - the suite's lock uses fcntl
    pytestmark = pytest.mark.skip("POSIX only")
