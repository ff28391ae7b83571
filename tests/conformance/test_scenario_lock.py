"""The run-wide scenario lock: shared, alone, and alone only from the step that changes global state."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from conformance.outcomes import SetupError
from conformance.suite import _scenario_lock as scenario_lock
from conformance.suite._scenario_lock import ScenarioLock, first_alone_step

WAIT = 5.0


def in_thread(action) -> threading.Thread:
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    return thread


def test_a_scenario_that_goes_alone_later_shares_the_lock_until_then(tmp_path: Path) -> None:
    path = tmp_path / "scenario.lock"
    neighbour, late = ScenarioLock(path, "neighbour"), ScenarioLock(path, "late")
    neighbour.acquire(alone=False)
    late.acquire(alone=False, may_go_alone=True)  # does not wait for the neighbour
    went_alone = threading.Event()
    thread = in_thread(lambda: (late.alone(), went_alone.set()))
    time.sleep(0.3)
    assert not went_alone.is_set(), "alone while another scenario still shared the lock"
    neighbour.release()
    assert went_alone.wait(WAIT)
    thread.join(WAIT)
    newcomer = ScenarioLock(path, "newcomer")
    shared = threading.Event()
    in_thread(lambda: (newcomer.acquire(alone=False), shared.set()))
    time.sleep(0.3)
    assert not shared.is_set(), "a scenario shared the lock with one that holds it alone"
    late.release()
    assert shared.wait(WAIT)
    newcomer.release()


def test_two_scenarios_going_alone_at_once_take_turns_and_do_not_deadlock(tmp_path: Path) -> None:
    path = tmp_path / "scenario.lock"
    first, second = ScenarioLock(path, "first"), ScenarioLock(path, "second")
    first.acquire(alone=False, may_go_alone=True)
    second.acquire(alone=False, may_go_alone=True)
    alone_now: list[str] = []
    overlaps: list[list[str]] = []

    def go_alone(lock: ScenarioLock) -> None:
        lock.alone()
        alone_now.append(lock.scenario)
        time.sleep(0.2)
        if alone_now != [lock.scenario]:
            overlaps.append(list(alone_now))
        alone_now.remove(lock.scenario)
        lock.release()

    threads = [in_thread(lambda lock=lock: go_alone(lock)) for lock in (first, second)]
    for thread in threads:
        thread.join(WAIT)
    assert not any(thread.is_alive() for thread in threads), "deadlock: both waited to be alone"
    assert overlaps == [], "two scenarios were alone at once"


def test_going_alone_without_the_exclusive_tag_is_a_setup_error(tmp_path: Path) -> None:
    lock = ScenarioLock(tmp_path / "scenario.lock", "untagged")
    lock.acquire(alone=False)
    with pytest.raises(SetupError, match="'untagged' changes the target's global state: it must be tagged"):
        lock.alone()
    lock.release()


def test_the_first_registered_step_is_where_a_scenario_goes_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario_lock, "_ALONE_STEPS", [])
    scenario_lock.steps_need_it_alone("call recording is disabled on the target")
    disabled = ("given", "call recording is disabled on the target")
    steps = [("given", "a conversation"), disabled, ("when", "the moderator starts a video recording")]
    assert first_alone_step(steps) == 1
    assert first_alone_step(steps[:1]) is None
    assert first_alone_step(None) is None
