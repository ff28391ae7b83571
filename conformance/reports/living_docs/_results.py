"""Read a run's report directory (summary.json, cucumber.json) into verdicts per scenario name."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.reports._summary import CUCUMBER_FILE, SUMMARY_FILE

# The verdict lattice of the suite (conformance.outcomes): the worst verdict of the rows is the outline's.
# An expected failure (see docs/expectations.md) ranks just above a pass, an unexpected pass like a failure.
VERDICT_RANK = {
    "not-run": -1,
    "skipped": 0,
    "passed": 1,
    "expected-failure": 1.5,
    "unexpectedly-passed": 2,
    "failed": 2,
    "failed-differently": 2.5,
    "error": 3,
}


class ResultsError(Exception):
    """The results directory cannot be read."""


@dataclass
class ScenarioOutcome:
    """What the run says about one scenario or example row."""

    verdict: str
    message: str = ""
    duration: float = 0.0
    step_results: dict[int, str] = field(default_factory=dict)
    expected: str = ""  # the expectations file's reason, when the run expected the scenario to fail


@dataclass
class RunResults:
    """Outcomes keyed by (feature title, scenario or row name), plus the run's own figures."""

    outcomes: dict[tuple[str, str], ScenarioOutcome]
    verdict: str | None = None
    target_url: str | None = None
    totals: dict[str, int] = field(default_factory=dict)
    setup_error: str | None = None

    def outcome(self, feature: str, name: str) -> ScenarioOutcome:
        """The outcome of a scenario or row; `not-run` when the reports do not mention it."""
        return self.outcomes.get((feature, name)) or ScenarioOutcome("not-run")


def worst(verdicts: list[str]) -> str:
    """The most telling verdict of several (error > failed > passed > skipped > not-run)."""
    return max(verdicts, key=lambda verdict: VERDICT_RANK.get(verdict, -1), default="not-run")


def load_results(directory: Path) -> RunResults:
    """Read summary.json (verdicts, incl. error) and cucumber.json (step results); either may be absent."""
    if not directory.is_dir():
        raise ResultsError(f"results directory {directory} does not exist")
    summary = _read_json(directory / SUMMARY_FILE)
    cucumber = _read_json(directory / CUCUMBER_FILE)
    if summary is None and cucumber is None:
        raise ResultsError(
            f"{directory} holds neither {SUMMARY_FILE} nor {CUCUMBER_FILE}; is it a report directory?"
        )
    results = RunResults(outcomes={})
    if cucumber is not None:
        _add_cucumber(results, cucumber, directory / CUCUMBER_FILE)
    if summary is not None:
        _add_summary(results, summary, directory / SUMMARY_FILE)
    return results


def _read_json(path: Path) -> Any:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultsError(f"cannot read {path}: {exc}") from None


def _add_summary(results: RunResults, summary: Any, path: Path) -> None:
    if not isinstance(summary, dict) or not isinstance(summary.get("scenarios", []), list):
        raise ResultsError(
            f"{path} is not a summary.json of talk-conformance (expected an object with scenarios)"
        )
    results.verdict = _text(summary.get("verdict")) or None
    results.target_url = _text(summary.get("target_url")) or None
    results.setup_error = _text(summary.get("setup_error")) or None
    totals = summary.get("totals")
    if isinstance(totals, dict):
        results.totals = {str(key): value for key, value in totals.items() if isinstance(value, int)}
    for entry in summary.get("scenarios", []):
        if not isinstance(entry, dict):
            continue
        key = (_text(entry.get("feature")), _text(entry.get("name")))
        known = results.outcomes.get(key)
        duration = entry.get("duration")
        outcome = ScenarioOutcome(
            verdict=_verdict(entry.get("verdict")),
            message=_text(entry.get("message")),
            duration=float(duration) if isinstance(duration, int | float) else 0.0,
            # The summary's verdict wins (it knows error from failure); cucumber.json adds the step detail.
            step_results=known.step_results if known else {},
            expected=_text(entry.get("expected_failure_reason")),
        )
        results.outcomes[key] = outcome


def _add_cucumber(results: RunResults, cucumber: Any, path: Path) -> None:
    if not isinstance(cucumber, list):
        raise ResultsError(f"{path} is not a Cucumber JSON report (expected a list of features)")
    for feature in cucumber:
        if not isinstance(feature, dict):
            continue
        feature_name = _text(feature.get("name"))
        for element in feature.get("elements", []) or []:
            if not isinstance(element, dict):
                continue
            steps = [step for step in element.get("steps", []) or [] if isinstance(step, dict)]
            step_results = {
                step["line"]: _verdict(step.get("result", {}).get("status"))
                for step in steps
                if isinstance(step.get("line"), int) and isinstance(step.get("result"), dict)
            }
            messages = [_text(step["result"].get("error_message")) for step in steps if step.get("result")]
            outcome = ScenarioOutcome(
                verdict=worst(list(step_results.values())) if step_results else "not-run",
                message="\n".join(message for message in messages if message),
                step_results=step_results,
            )
            for name in _cucumber_names(element):
                results.outcomes[(feature_name, name)] = outcome


def _cucumber_names(element: dict[str, Any]) -> list[str]:
    # An outline row is reported as "name [param-id]" when its title names no parameter; the element id
    # is "test_function[param-id]", so both spellings are registered and the row lookup picks the right one.
    name = _text(element.get("name"))
    element_id = _text(element.get("id"))
    names = [name]
    if element_id.endswith("]") and "[" in element_id:
        names.append(f"{name} [{element_id[element_id.index('[') + 1 : -1]}]")
    return names


def _verdict(value: Any) -> str:
    # summary.json spells the expectation verdicts with a space; the page uses them as CSS class names.
    text = _text(value).lower().replace(" ", "-")
    return text if text in VERDICT_RANK else "not-run"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
