"""The one place that reaches into pytest-bdd's private registries; a pytest-bdd upgrade touches this file."""

from __future__ import annotations

import sys
from typing import Any
from weakref import WeakKeyDictionary

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


# Per pytest session (its fixture manager): (module or class node id, step type, step text) -> definitions.
_step_definitions: WeakKeyDictionary[Any, dict[tuple[str, str | None, str], list[Any]]] = WeakKeyDictionary()


def remember_step_definitions() -> None:
    """Look up which step definitions match a step once per test module, not again for every scenario."""
    # pytest-bdd asks every fixture name of the session whether it parses the step, for each step of each
    # scenario: a fifth of a second per run. The answer depends only on the step and where the scenario is
    # defined, and no step definition is added once the scenarios are collected.
    scenario_module = sys.modules["pytest_bdd.scenario"]  # `pytest_bdd.scenario` the attribute is a function
    find = scenario_module.find_fixturedefs_for_step
    if getattr(find, "remembered_by_the_suite", False):
        return

    def remembered(step: Any, fixturemanager: Any, node: pytest.Node) -> Any:
        known = _step_definitions.setdefault(fixturemanager, {})
        place = node.parent.nodeid if node.parent is not None else node.nodeid
        key = (place, step.type, step.name)
        if key not in known:
            known[key] = list(find(step=step, fixturemanager=fixturemanager, node=node))
        return iter(known[key])

    remembered.remembered_by_the_suite = True  # type: ignore[attr-defined]
    scenario_module.find_fixturedefs_for_step = remembered
