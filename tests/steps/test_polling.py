"""How the steps wait for an effect: each pause a quarter of the time waited so far, within bounds."""

from __future__ import annotations

import pytest

from steps import world


class Clock:
    """time.monotonic and time.sleep of steps.world, on a clock that only sleeping moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.pauses: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(world.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(world.time, "sleep", clock.sleep)
    return clock


def effect_after(clock: Clock, seconds: float):
    began = clock.now
    return lambda: clock.now - began >= seconds


def test_an_effect_already_there_costs_one_check_and_no_pause(clock: Clock) -> None:
    checks = []
    assert world.poll(lambda: checks.append(1) or "done") == "done"
    assert checks == [1] and clock.pauses == []


def test_an_effect_that_takes_a_while_is_seen_at_most_a_quarter_late(clock: Clock) -> None:
    for delay in (0.05, 0.15, 0.3, 0.65, 1.7, 4.0):
        began = clock.now
        assert world.poll(effect_after(clock, delay)) is True
        assert clock.now - began <= delay * 1.25 + world.POLL_FIRST_PAUSE


def test_pauses_grow_from_the_first_to_the_longest_and_a_slow_target_gets_few_reads(clock: Clock) -> None:
    checks = []
    assert world.poll(lambda: checks.append(1), timeout=15.0) is None
    assert clock.pauses[0] == world.POLL_FIRST_PAUSE
    assert max(clock.pauses) == world.POLL_LONGEST_PAUSE
    assert clock.pauses == sorted(clock.pauses[:-1]) + clock.pauses[-1:]  # the last, cut at the deadline
    assert len(checks) < 60  # doubling from 20 ms made 35; a fixed 10 ms would make 1,500


def test_the_last_pause_ends_at_the_deadline(clock: Clock) -> None:
    began = clock.now
    assert world.poll(lambda: False, timeout=2.0) is False
    assert clock.now - began == pytest.approx(2.0)
