"""CI reporting: GitHub annotations on the feature files, the Markdown step summary, the action's outputs."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from conformance import _bdd_compat
from conformance.outcomes import Verdict
from conformance.reports._summary import CUCUMBER_FILE, JUNIT_FILE, SUMMARY_FILE, RunSummary
from conformance.resources import features_dir

GITHUB = "github"
NONE = "none"
STYLES = (GITHUB, NONE)
TABLE_LIMIT = 50  # rows of failed scenarios in the step summary; the reports have all of them
_LOCATION = "talk_conformance_location"


def style_for(option: str | None, env: Mapping[str, str]) -> str:
    """The annotation style: the option when given, else GitHub's inside a GitHub Actions job."""
    if option:
        return option
    return GITHUB if env.get("GITHUB_ACTIONS") == "true" else NONE


# --- workflow commands (docs: "Workflow commands for GitHub Actions", escaping as in @actions/core) --------


def escape_data(text: str) -> str:
    """The message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file, title): also `:` and `,`, which separate properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def error_command(message: str, title: str, file: str | None = None, line: int | None = None) -> str:
    """One `::error` line; only the message's first line is kept, the reports have the rest."""
    properties = []
    if file:
        properties.append(f"file={escape_property(file)}")
        if line:
            properties.append(f"line={line}")
    properties.append(f"title={escape_property(title)}")
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    return f"::error {','.join(properties)}::{escape_data(first_line)}"


def scenario_location(item: pytest.Item) -> tuple[str, int] | None:
    """(features/<file>.feature, line of the scenario) of a bundled scenario; None for anything else."""
    template = _bdd_compat.scenario_template(item)
    if template is None:
        return None
    try:
        relative = Path(template.feature.filename).resolve().relative_to(features_dir().resolve())
    except (ValueError, OSError):
        return None
    return f"features/{relative.as_posix()}", int(template.line_number)


def annotation_lines(summary: RunSummary, locations: Mapping[str, tuple[str, int]]) -> list[str]:
    """An `::error` line for each scenario that failed or errored (expected failures excepted)."""
    lines = []
    if summary.setup_error and not summary.results:
        lines.append(error_command(f"setup error: {summary.setup_error}", "talk-conformance"))
    for result in summary.results.values():
        if result.run_verdict not in (Verdict.FAILED, Verdict.ERROR):
            continue
        file, line = locations.get(result.nodeid, (None, None))
        lines.append(error_command(result.message or result.outcome, result.name, file, line))
    return lines


# --- the Markdown summary ---------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")[:300]


def markdown_summary(summary: RunSummary, report_dir: Path | None = None) -> str:
    """The run in Markdown: verdict, totals, failed and errored scenarios, where the reports are."""
    verdict = summary.verdict_words()
    totals = summary.totals()
    lines = [f"## Talk recording conformance: {verdict}", ""]
    if summary.target_url:
        lines += [f"Target: `{summary.target_url}`", ""]
    lines += ["| " + " | ".join(totals) + " |", "|" + "---:|" * len(totals)]
    lines += ["| " + " | ".join(str(count) for count in totals.values()) + " |", ""]
    if summary.setup_error:
        lines += [f"**Setup error:** {_cell(summary.setup_error)}", ""]
    for problem in [*summary.cleanup_errors, *summary.expectation_errors]:
        lines += [f"**Problem:** {_cell(problem)}", ""]
    broken = [r for r in summary.results.values() if r.run_verdict in (Verdict.FAILED, Verdict.ERROR)]
    if broken:
        lines += ["| outcome | feature | scenario | message |", "|---|---|---|---|"]
        for result in broken[:TABLE_LIMIT]:
            first_line = result.message.strip().splitlines()[0] if result.message.strip() else ""
            cells = (result.outcome, result.feature, result.name, first_line)
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        if len(broken) > TABLE_LIMIT:
            lines.append(f"\n… and {len(broken) - TABLE_LIMIT} more in the reports.")
        lines.append("")
    if report_dir is not None:
        lines += [f"Reports: `{report_dir}`", ""]
    return "\n".join(lines)


def append_step_summary(summary: RunSummary, report_dir: Path | None, env: Mapping[str, str]) -> None:
    """Append the Markdown summary to $GITHUB_STEP_SUMMARY when the job offers one."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown_summary(summary, report_dir) + "\n")


def report_stopped_run(summary: RunSummary, report_dir: Path, style: str, env: Mapping[str, str]) -> None:
    """A run that stopped before pytest (the preflight failed): its annotation and step summary."""
    if style == GITHUB:
        for line in annotation_lines(summary, {}):
            print(line, flush=True)
    append_step_summary(summary, report_dir, env)


# --- the pytest side --------------------------------------------------------------------------------------


class CiReporting:
    """Registered by the plugin: notes where each scenario is written, prints the annotations at the end."""

    def __init__(
        self, style: str | None, report_dir: Path | None, summary: Callable[[], RunSummary], controller: bool
    ) -> None:
        self.report_dir = report_dir
        self.summary = summary
        self.controller = controller
        self.style = style_for(style, os.environ)
        self.locations: dict[str, tuple[str, int]] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        location = scenario_location(item)
        if location is not None:
            setattr(report, _LOCATION, list(location))  # a plain list survives xdist's serialization
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        location = getattr(report, _LOCATION, None)
        if location:
            self.locations[report.nodeid] = (str(location[0]), int(location[1]))

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.controller and self.style == GITHUB:
            for line in annotation_lines(self.summary(), self.locations):
                terminalreporter.write_line(line)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        summary = self.summary()
        if self.controller and (summary.results or summary.setup_error):
            append_step_summary(summary, self.report_dir, os.environ)


# --- the action's outputs ---------------------------------------------------------------------------------


def action_outputs(report_dir: Path) -> dict[str, str]:
    """What the GitHub Action offers its workflow, read from the run's summary.json."""
    summary_path = report_dir / SUMMARY_FILE
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = {}  # the run stopped before it wrote one (a bad profile): nothing to read
    totals = summary.get("totals", {})
    outputs = {
        "verdict": str(summary.get("verdict", "error")),
        "totals": json.dumps(totals, sort_keys=True),
        "report-dir": str(report_dir),
    }
    keys = ("total", "passed", "failed", "error", "skipped", "expected_failure", "failed_differently")
    for key in (*keys, "unexpectedly_passed"):
        outputs[key.replace("_", "-")] = str(totals.get(key, 0))
    reports = {"summary-json": SUMMARY_FILE, "junit-xml": JUNIT_FILE, "cucumber-json": CUCUMBER_FILE}
    for name, file in reports.items():
        outputs[name] = str(report_dir / file) if (report_dir / file).is_file() else ""
    return outputs


def write_outputs(outputs: Mapping[str, str], path: Path) -> None:
    """Append outputs to a $GITHUB_OUTPUT file; multi-line values get a random heredoc delimiter."""
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in outputs.items():
            if "\n" in value or "\r" in value:
                delimiter = f"talk_conformance_{secrets.token_hex(8)}"
                handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                handle.write(f"{name}={value}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m conformance.reports.annotations outputs DIR`: the action's outputs into $GITHUB_OUTPUT."""
    parser = argparse.ArgumentParser(prog="python -m conformance.reports.annotations")
    parser.add_argument("command", choices=["outputs"])
    parser.add_argument("report_dir", type=Path)
    args = parser.parse_args(argv)
    outputs = action_outputs(args.report_dir.resolve())
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        write_outputs(outputs, Path(target))
    else:
        for name, value in outputs.items():
            print(f"{name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
