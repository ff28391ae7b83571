"""The run's reports: summary.json, junit.xml, the redacted cucumber.json and the terminal summary."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import progress_lines
from conformance.outcomes import FAILED_DIFFERENTLY, Verdict
from conformance.redaction import MASK, Redactor
from conformance.reports import _failure_display as failure_display
from conformance.reports._junit import JUnitCase, write_junit

SUMMARY_FILE = "summary.json"
JUNIT_FILE = "junit.xml"
CUCUMBER_FILE = "cucumber.json"
TERMINAL_LIST_LIMIT = 15
ROOM_DELETION = "deleting room "  # how a room the background cleanup could not delete is reported


EXPECTED_FAILURE = "expected failure"
NOTHING_CHECKED = "nothing checked"  # the run's verdict when every scenario was skipped
UNEXPECTEDLY_PASSED = "unexpectedly passed"
OUTCOMES = ("skipped", "passed", EXPECTED_FAILURE, "failed", FAILED_DIFFERENTLY, UNEXPECTEDLY_PASSED, "error")
# Totals that runs without expectations leave out (they cannot happen there).
_EXPECTATION_TOTALS = tuple(
    outcome.replace(" ", "_") for outcome in (EXPECTED_FAILURE, FAILED_DIFFERENTLY, UNEXPECTEDLY_PASSED)
)

_PHASE_RANK = {Verdict.PASSED: 0, Verdict.SKIPPED: 1, Verdict.FAILED: 2, Verdict.ERROR: 3}


@dataclass
class ScenarioResult:
    """One scenario's combined verdict over its setup, call and teardown phases."""

    nodeid: str
    name: str
    feature: str
    tags: list[str] = field(default_factory=list)
    verdict: Verdict = Verdict.SKIPPED
    duration: float = 0.0
    message: str = ""
    expected: str | None = None  # the expectations file's reason, when the scenario is expected to fail
    unexpected_pass: bool = False
    failed_differently: bool = False  # expected to fail, and failed with another answer than the pinned one
    judged_answer: dict[str, Any] | None = None  # the answer the failing step judged (judged_answers.Answer)
    source: dict[str, Any] | None = None  # where the scenario is written (assertion_records.scenario_source)
    assertions: list[dict[str, Any]] = field(default_factory=list)  # what its Then steps asserted

    phases: int = 0

    def merge(self, verdict: Verdict, duration: float, message: str) -> None:
        """Fold in one phase (setup, call, teardown): the most telling verdict wins and brings its message."""
        self.duration += duration
        # Within one scenario a skip outranks a pass (a skipped call with a clean teardown was skipped).
        rank, current = _PHASE_RANK[verdict], _PHASE_RANK[self.verdict] if self.phases else -1
        self.phases += 1
        if rank > current or (rank == current and message and not self.message):
            self.verdict = verdict
            self.message = message or self.message

    @property
    def outcome(self) -> str:
        """The verdict in words, expectations applied: e.g. "passed", "expected failure"."""
        if self.expected is not None and self.verdict is Verdict.FAILED:
            if self.unexpected_pass:
                return UNEXPECTEDLY_PASSED
            return FAILED_DIFFERENTLY if self.failed_differently else EXPECTED_FAILURE
        return self.verdict.name.lower()

    @property
    def run_verdict(self) -> Verdict:
        """What the scenario contributes to the run's verdict: an expected failure does not fail it."""
        if self.outcome == EXPECTED_FAILURE:
            return Verdict.PASSED
        return self.verdict

    def to_dict(self) -> dict[str, Any]:
        """JSON form used in summary.json."""
        data = {
            "id": self.nodeid,
            "feature": self.feature,
            "name": self.name,
            "verdict": self.outcome,
            "tags": self.tags,
            "duration": round(self.duration, 3),
            "message": self.message,
        }
        if self.expected is not None:
            data["expected_failure_reason"] = self.expected
        if self.judged_answer is not None:
            data["judged_answer"] = self.judged_answer
        if self.source is not None:
            data["source"] = self.source
        data["assertions"] = self.assertions
        return data


@dataclass
class RunSummary:
    """Everything the reports say about one run."""

    target_url: str | None = None
    profile: dict[str, Any] | None = None
    results: dict[str, ScenarioResult] = field(default_factory=dict)
    setup_error: str | None = None
    cleanup_errors: list[str] = field(default_factory=list)
    duration: float = 0.0
    expectations: str | None = None  # path of the expectations file in use
    target_release: str | None = None  # the target's Talk release as the preflight read it, in words
    target_talk_version: str | None = None  # capabilities spreed.version, e.g. "23.0.6"
    target_is_reference: bool = False  # the target is the reference server (capability talk_reference)
    expectation_errors: list[str] = field(default_factory=list)  # entries that matched no scenario
    left_on_target: list[str] | None = None  # what the run could not remove; None: it did not get to clean up

    def totals(self) -> dict[str, int]:
        """Scenario count per verdict, plus the total."""
        counts = {outcome.replace(" ", "_"): 0 for outcome in OUTCOMES}
        for result in self.results.values():
            counts[result.outcome.replace(" ", "_")] += 1
        counts["total"] = len(self.results)
        if not self.expectations and not sum(counts[key] for key in _EXPECTATION_TOTALS):
            # Runs without expectations keep the plain lattice counts.
            for key in _EXPECTATION_TOTALS:
                del counts[key]
        return counts

    def verdict(self) -> Verdict:
        """The run's verdict: the worst scenario verdict; a broken setup is an error even with no scenario."""
        worst = max((result.run_verdict for result in self.results.values()), default=Verdict.SKIPPED)
        if self.expectation_errors:
            worst = max(worst, Verdict.FAILED)
        if self.setup_error or self.cleanup_errors:
            worst = max(worst, Verdict.ERROR)
        return worst

    def verdict_words(self) -> str:
        """The run's verdict in words; a run in which every scenario was skipped checked nothing."""
        verdict = self.verdict()
        # A gate must not pass a target that offers nothing to check (e.g. no recording-v1): not "skipped".
        return NOTHING_CHECKED if verdict is Verdict.SKIPPED else verdict.name.lower()

    def to_dict(self) -> dict[str, Any]:
        """JSON form of summary.json."""
        return {
            "verdict": self.verdict_words(),
            "target_url": self.target_url,
            "target_release": self.target_release,
            "target_talk_version": self.target_talk_version,
            "target_is_reference": self.target_is_reference,
            "totals": self.totals(),
            "duration": round(self.duration, 3),
            "setup_error": self.setup_error,
            "cleanup_errors": self.cleanup_errors,
            "expectations": self.expectations,
            "expectation_errors": self.expectation_errors,
            "profile": self.profile,
            "scenarios": [result.to_dict() for result in self.results.values()],
            "left_on_target": self.left(),
        }

    def left(self) -> list[str] | None:
        """What the run left on the target: what its cleanup could not remove, rooms it failed to delete."""
        if self.left_on_target is None:
            return None
        rooms = [problem for problem in self.cleanup_errors if problem.startswith(ROOM_DELETION)]
        return [*self.left_on_target, *(f"room {problem[len(ROOM_DELETION) :]}" for problem in rooms)]


def redacted_profile(profile_data: dict[str, Any], url: str | None = None) -> dict[str, Any]:
    """The profile as plain data, keys as a profile file spells them, the secret and passwords masked.

    `url`: the target the run used, for a profile that names none (the bundled reference server).
    """
    data = json.loads(json.dumps(profile_data))
    data["recording_secret"] = MASK
    if url is not None and data.get("url") is None:
        data["url"] = url
    for account in (data.get("admin"), *data.get("users", ())):
        if account:
            # A profile names an account's login `user` (docs/profiles.md); the code calls it user_id.
            account["user"] = account.pop("user_id", account.get("user"))
            account["password"] = MASK
    return data


def write_setup_error_reports(
    report_dir: Path,
    target_url: str | None,
    profile_data: dict[str, Any],
    error: Exception,
    redactor: Redactor,
) -> RunSummary:
    """Write summary.json and junit.xml of a run whose setup broke before any scenario ran; that summary."""
    summary = RunSummary(target_url=target_url, profile=redacted_profile(profile_data))
    summary.setup_error = redactor.text(str(error))
    report_dir.mkdir(parents=True, exist_ok=True)
    write_summary_json(report_dir / SUMMARY_FILE, summary, redactor)
    write_junit_xml(report_dir / JUNIT_FILE, summary, redactor)
    return summary


def write_summary_json(path: Path, summary: RunSummary, redactor: Redactor) -> None:
    """Write summary.json."""
    _write_text(path, json.dumps(redactor.data(summary.to_dict()), indent=2) + "\n")


def write_junit_xml(path: Path, summary: RunSummary, redactor: Redactor) -> None:
    """Write junit.xml; a broken setup is an <error>, a conformance violation a <failure>."""
    properties = [("target_url", summary.target_url or "")]
    if summary.setup_error:
        properties.append(("setup_error", redactor.text(summary.setup_error)))
    properties += [("expectation_error", redactor.text(problem)) for problem in summary.expectation_errors]
    write_junit(
        [_junit_case(result, redactor) for result in summary.results.values()],
        path,
        "talk-conformance",
        properties,
        seconds=summary.duration,
    )


def _junit_case(result: ScenarioResult, redactor: Redactor) -> JUnitCase:
    case = JUnitCase(result.name, result.feature, result.duration)
    case.properties = [("tag", tag) for tag in result.tags]
    if result.expected is not None:
        case.properties += [
            ("verdict", result.outcome),
            ("expected_failure_reason", redactor.text(result.expected)),
        ]
    message = redactor.text(result.message)
    if result.outcome == EXPECTED_FAILURE:
        # junit has no "expected failure"; like pytest's own xfail, it is a skip that says why.
        case.skipped = redactor.text(f"expected failure: {result.expected}\n{result.message}".rstrip())
    elif result.verdict is Verdict.FAILED:
        case.failures.append(message)
    elif result.verdict is Verdict.ERROR:
        case.errors.append(message)
    elif result.verdict is Verdict.SKIPPED:
        case.skipped = message
    return case


def redact_file(path: Path, redactor: Redactor) -> None:
    """Rewrite a text file (e.g. pytest-bdd's cucumber.json) with secrets masked."""
    if path.is_file():
        text = path.read_text(encoding="utf-8", errors="replace")
        redacted = redactor.text(text)
        if redacted != text:
            _write_text(path, redacted)


def terminal_lines(summary: RunSummary, report_dir: Path | None) -> list[str]:
    """The one-screen summary printed at the end of a run."""
    totals = summary.totals()
    lines = [
        f"target: {summary.target_url or '(not started)'}",
        "scenarios: " + _counted(totals),
    ]
    if summary.expectations:
        lines.append(
            "expectations {}: {} expected failure(s), {} failed differently, {} unexpectedly passed".format(
                summary.expectations,
                totals.get("expected_failure", 0),
                totals.get("failed_differently", 0),
                totals.get("unexpectedly_passed", 0),
            )
        )
    for problem in summary.expectation_errors:
        lines.append(f"expectation error: {problem}")
    if summary.setup_error:
        lines.append(f"setup error: {summary.setup_error}")
    for problem in summary.cleanup_errors:
        lines.append(f"cleanup error: {problem}")
    broken = [r for r in summary.results.values() if r.run_verdict in (Verdict.FAILED, Verdict.ERROR)]
    full_report = str(report_dir / SUMMARY_FILE) if report_dir is not None else None
    for result in broken[:TERMINAL_LIST_LIMIT]:
        lines += failure_display.failure_lines(_heading(result), result.message, full_report)
    expected = [r for r in summary.results.values() if r.outcome == EXPECTED_FAILURE]
    for result in expected[:TERMINAL_LIST_LIMIT]:
        lines.append(f"{_heading(result)}: {result.expected}")
    if len(expected) > TERMINAL_LIST_LIMIT:
        lines.append(f"... and {len(expected) - TERMINAL_LIST_LIMIT} more expected failures")
    if len(broken) > TERMINAL_LIST_LIMIT:
        lines.append(f"... and {len(broken) - TERMINAL_LIST_LIMIT} more, in {full_report or 'summary.json'}")
    if report_dir is not None:
        lines.append(f"reports: {report_dir}")
    lines.append(f"verdict: {summary.verdict_words()}")
    left = summary.left()
    if left is not None:
        lines.append("left on the target: " + ("; ".join(left) or "nothing"))
    return lines


# Named in the count line even at 0; any other verdict (one an expectations file adds, say) when it occurs.
ALWAYS_COUNTED = ("passed", "failed", "error", "skipped")


def _counted(totals: dict[str, int]) -> str:
    counts = [f"{totals.get('total', 0)} total"] + [f"{totals.get(key, 0)} {key}" for key in ALWAYS_COUNTED]
    for key, count in totals.items():
        if key != "total" and key not in ALWAYS_COUNTED and count:
            counts.append(f"{count} {key.replace('_', ' ')}")
    return ", ".join(counts)


def _heading(result: ScenarioResult) -> str:
    where = progress_lines.location(result.source, result.nodeid)
    return f"{result.outcome.upper()} {where}  {result.feature}: {result.name}"


def _write_text(path: Path, text: str) -> None:
    # Write then rename, so a reader never sees half a report.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
