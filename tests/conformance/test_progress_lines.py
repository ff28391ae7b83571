"""The lines a run prints while it runs: one per finished scenario, and a notice before a long wait."""

from __future__ import annotations

from conformance import progress_lines
from conformance.progress_lines import announce_wait, duration, location, scenario_line


def test_a_scenario_line_names_verdict_seconds_place_feature_and_title() -> None:
    where = location({"path": "failed_recording.feature", "line": 23}, "steps/test_features.py::t")
    assert where == "features/failed_recording.feature:23"
    line = scenario_line("passed", 0.42, where, "Failed recordings", "A running recording fails")
    where_and_title = "features/failed_recording.feature:23  Failed recordings: A running recording fails"
    assert line == "PASSED     0.4 s  " + where_and_title
    assert location(None, "tests/x.py::test_y") == "tests/x.py::test_y"


def test_a_skip_says_why_and_any_verdict_prints_as_it_is_spelled() -> None:
    reason = "unsupported: no limit\nmore"
    skipped = scenario_line("skipped", 0.0, "features/s.feature:74", "Store", "Too large", reason)
    assert skipped.endswith("Store: Too large (unsupported: no limit)")
    differently = scenario_line("failed differently", 2, "f:1", "F", "S")
    assert differently == "FAILED DIFFERENTLY    2.0 s  f:1  F: S"


def test_durations_read_at_a_glance() -> None:
    shown = [duration(seconds) for seconds in (0.04, 12.2, 60, 201.0, 880)]
    assert shown == ["0.0 s", "12 s", "1 min", "3 min 21 s", "14 min 40 s"]


def test_only_a_wait_longer_than_five_seconds_is_announced() -> None:
    said: list[str] = []
    progress_lines.use_writer(said.append)
    try:
        announce_wait("polling for the chat", 5.0)
        announce_wait("a throttled target sleeps before each answer", 880)
    finally:
        progress_lines.use_writer(None)
    assert said == ["waiting up to 14 min 40 s: a throttled target sleeps before each answer"]
