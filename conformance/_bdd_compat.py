"""The one place that reaches into pytest-bdd's private registries; a pytest-bdd upgrade touches this file."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd.cucumber_json import LogBDDCucumberJSON
from pytest_bdd.reporting import ReportContext, scenario_reports_registry, test_report_context_registry
from pytest_bdd.scenario import scenario_wrapper_template_registry


def scenario_template(item: pytest.Item) -> Any | None:
    """The pytest-bdd ScenarioTemplate a test item was generated from, or None for a plain test."""
    return scenario_wrapper_template_registry.get(getattr(item, "obj", None))


def example_row(item: pytest.Item) -> dict[str, str]:
    """The Examples row a Scenario Outline item was generated for ({} for a plain scenario)."""
    callspec = getattr(item, "callspec", None)
    row = callspec.params.get("_pytest_bdd_example") if callspec is not None else None
    return dict(row) if isinstance(row, dict) else {}


def scenario_steps(item: pytest.Item) -> list[tuple[str, str]] | None:
    """(type, text) of every step the item runs, background first, outline placeholders filled in."""
    template = scenario_template(item)
    if template is None:
        return None
    return [(step.type, step.name) for step in template.render(example_row(item)).steps]


def scenario_report(item: pytest.Item) -> Any | None:
    """pytest-bdd's running report of the item's scenario (rendered name, step reports), if any."""
    return scenario_reports_registry.get(item)


def failed_step(item: pytest.Item) -> str | None:
    """`Keyword step text` of the first step that failed in the item's scenario."""
    report = scenario_report(item)
    if report is None:
        return None
    for step_report in report.step_reports:
        if step_report.failed:
            return f"{step_report.step.keyword} {step_report.step.name}".strip()
    return None


def report_context(report: pytest.TestReport) -> dict[str, Any] | None:
    """The scenario data pytest-bdd attached to a test report, as plain data (for xdist's transport)."""
    context = test_report_context_registry.get(report)
    if context is None:
        return None
    return {"scenario": context.scenario, "name": context.name}


def restore_report_context(report: pytest.TestReport, data: dict[str, Any]) -> None:
    """Attach scenario data shipped from an xdist worker to the controller's copy of the report."""
    test_report_context_registry[report] = ReportContext(scenario=data["scenario"], name=data["name"])


class _QuietCucumberJSON(LogBDDCucumberJSON):
    """pytest-bdd's cucumber.json writer without its "generated json file" terminal line."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The suite's own summary names the report directory."""


def mute_cucumber_summary(config: pytest.Config) -> None:
    """Swap pytest-bdd's cucumber.json plugin for one that writes the same file but prints nothing."""
    loud = getattr(config, "_bddcucumberjson", None)
    if loud is None or isinstance(loud, _QuietCucumberJSON):
        return
    quiet = _QuietCucumberJSON(loud.logfile)
    quiet.features = loud.features
    config.pluginmanager.unregister(loud)
    config._bddcucumberjson = quiet  # pytest-bdd's unconfigure unregisters whatever is here
    config.pluginmanager.register(quiet)
