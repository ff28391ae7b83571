"""The suite's own terminal output inside pytest: lines past output capture, pytest's own progress muted."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from conformance import _bdd_compat


def write_line(config: pytest.Config, line: str) -> None:
    """A line on the terminal, even from inside a scenario (captured) or an xdist worker (no terminal)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    worker = hasattr(config, "workerinput")
    if capture is None:
        _emit(reporter, line, worker)
        return
    with capture.global_and_fixture_disabled():
        _emit(reporter, line, worker)


def _emit(reporter: Any, line: str, worker: bool) -> None:
    # An xdist worker's stdout carries its channel to the controller; its stderr is the terminal's.
    if reporter is None or worker:
        print(line, file=sys.stderr, flush=True)
    else:
        reporter.ensure_newline()
        reporter.write_line(line)


def silent_status(report: pytest.TestReport, verdict: str) -> tuple[str, str, str]:
    """pytest's (category, letter, word) with no letter: the suite prints its own line per scenario."""
    if verdict == "error" and report.when == "call":
        return "error", "", ""
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed", "", ""
    return report.outcome, "", ""


def quiet_pytest(config: pytest.Config) -> None:
    """No "generated json file" line: the suite's summary names its reports itself."""
    _bdd_compat.mute_cucumber_summary(config)
