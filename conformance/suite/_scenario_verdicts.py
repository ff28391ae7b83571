"""The verdict of a scenario, for both suites: one phase report judged, the expectations applied, folded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from conformance import _bdd_compat
from conformance.outcomes import SetupError, Unsupported, Verdict
from conformance.reports import (
    JUDGED_KEY,
    RECORDS_KEY,
    SOURCE_KEY,
    RunSummary,
    ScenarioResult,
    exception_message,
)
from conformance.suite._scenario_identity import feature_name, scenario_name
from conformance.suite._scenario_tags import item_tags
from conformance.target import Expectation, failed_differently, judged_answer, transport_reason

SQLITE_LOCKED = "database is locked"


def judge(
    item: pytest.Item,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    redact: Callable[[str], str],
) -> dict[str, Any]:
    """One phase of a scenario judged: its verdict data (plain, for xdist); the report made readable."""
    verdict, message = _verdict(item, call, report, redact)
    report.sections = [(title, redact(content)) for title, content in report.sections]
    return {
        "verdict": verdict.name.lower(),
        "message": message,
        "name": scenario_name(item),
        "feature": feature_name(item),
        "tags": item_tags(item),
    }


def _verdict(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport, redact: Callable[[str], str]
) -> tuple[Verdict, str]:
    excinfo = call.excinfo
    name = scenario_name(item)
    if excinfo is not None and excinfo.errisinstance(Unsupported):
        message = redact(f"unsupported: {excinfo.value}")
        report.outcome = "skipped"
        report.longrepr = (str(item.path), (item.location[1] or 0) + 1, message)
        return Verdict.SKIPPED, message
    if excinfo is not None and excinfo.errisinstance(SetupError):
        # A broken setup says nothing about the target's conformance: a readable paragraph, no traceback.
        message = redact(f"setup error in {call.when} of scenario {name!r}: {excinfo.value}")
        report.longrepr = message
        return Verdict.ERROR, message
    if excinfo is not None and excinfo.errisinstance(requests.RequestException):
        # No answer at all (refused, timed out): the target could not be judged. One line, not urllib3's
        # traceback, naming the request and the limit.
        message = redact(f"error in {call.when} of scenario {name!r}: {_no_answer(excinfo.value)}")
        report.longrepr = message
        return Verdict.ERROR, message
    if report.failed:
        return _failure(item, call, report, redact)
    if report.skipped:
        longrepr = report.longrepr
        return Verdict.SKIPPED, redact(longrepr[2] if isinstance(longrepr, tuple) else str(longrepr))
    return Verdict.PASSED, ""


def _failure(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport, redact: Callable[[str], str]
) -> tuple[Verdict, str]:
    excinfo = call.excinfo
    verdict = Verdict.FAILED if call.when == "call" else Verdict.ERROR
    error = excinfo.value if excinfo is not None else None
    message = redact(exception_message(error, str(report.longrepr)))
    step = _bdd_compat.failed_step(item) if call.when == "call" else None
    if step:
        message = f"{message}\n(failed step: {step})"
    if SQLITE_LOCKED in message:
        # A SQLite-backed Nextcloud under parallel load (docs/live-targets.md): the database, not Talk.
        verdict = Verdict.ERROR
        message = f"error: the target's database was locked (run serially on SQLite): {message}"
    text = str(report.longrepr)
    if call.when == "call" and excinfo is not None and excinfo.errisinstance(AssertionError):
        # A conformance verdict: the steps' message names request, expected and actual; code frames
        # of the step library would only hide it.
        report.longrepr = message
    elif redact(text) != text:  # keep pytest's rich representation unless it leaks a secret
        # The message first: pytest's one-line summary shows the first line of a plain-text report.
        report.longrepr = f"{message.splitlines()[0] if message else 'failed'}\n\n{redact(text)}"
    return verdict, message


def _no_answer(error: BaseException) -> str:
    request = getattr(error, "request", None)
    what = "a request"
    if request is not None and request.url:
        what = f"{request.method} {urlsplit(request.url).path}"
    return f"{what} did not get an answer: {transport_reason(error)}"


def apply_expectation(
    entry: Expectation,
    file_name: str,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    data: dict[str, Any],
) -> None:
    """The pinned failure is pytest's xfail (the run passes); another failure, or a pass, fails the run."""
    reason = entry.reason
    data["expected"] = reason
    if call.when != "call":
        return  # setup errors and skips say nothing about the expectation
    if data["verdict"] == "failed":
        judged = judged_answer(data.get(JUDGED_KEY))
        differently = failed_differently(entry, file_name, judged)
        if differently is None:
            report.outcome = "skipped"
            report.wasxfail = f"expected failure: {reason}"
        else:
            message = f"{differently}\n{data['message']}"
            data.update(message=message, failed_differently=True)
            report.longrepr = message
    elif data["verdict"] == "passed":
        message = f"unexpectedly passed: the expectations say it fails ({reason})"
        data.update(verdict="failed", message=message, unexpected_pass=True)
        report.outcome = "failed"
        report.longrepr = message


def fold(summary: RunSummary, report: pytest.TestReport, data: dict[str, Any]) -> ScenarioResult:
    """Fold one phase's verdict data into the scenario's result in the run summary; the result."""
    result = summary.results.get(report.nodeid)
    if result is None:
        result = ScenarioResult(report.nodeid, data["name"], data["feature"], list(data["tags"]))
        summary.results[report.nodeid] = result
    if report.when == "call":
        result.name = data["name"]  # outline titles are rendered only once the scenario runs
        result.unexpected_pass = bool(data.get("unexpected_pass"))
        result.failed_differently = bool(data.get("failed_differently"))
        result.judged_answer = data.get(JUDGED_KEY)
        result.source = data.get(SOURCE_KEY)
        result.assertions = data.get(RECORDS_KEY, [])
    if data.get("expected") is not None:
        result.expected = data["expected"]
    result.source = result.source or data.get(SOURCE_KEY)
    result.merge(Verdict[data["verdict"].upper()], report.duration, data["message"])
    return result
