"""How a collected scenario is named: title, display name, feature, steps and its expectation key."""

from __future__ import annotations

import pytest

from conformance import _bdd_compat
from conformance.target import ScenarioKey


def scenario_title(item: pytest.Item) -> str:
    """The title of the scenario an item was generated from, as written (the item's name for a plain test)."""
    template = _bdd_compat.scenario_template(item)
    return template.name if template is not None else item.name


def scenario_steps(item: pytest.Item) -> list[tuple[str, str]] | None:
    """(type, text) of every step a scenario runs, background first; None for a plain test."""
    return _bdd_compat.scenario_steps(item)


def scenario_name(item: pytest.Item) -> str:
    """The name reports show: an outline's rendered title, or the title with its Examples row id."""
    template = _bdd_compat.scenario_template(item)
    if template is None:
        return item.name
    scenario_report = _bdd_compat.scenario_report(item)
    name = scenario_report.scenario.name if scenario_report is not None else template.name
    callspec = getattr(item, "callspec", None)
    if callspec is not None and name == template.name:
        # Rows of an outline whose title names no <parameter> would otherwise share one name.
        name = f"{name} [{callspec.id}]"
    return name


def feature_name(item: pytest.Item) -> str:
    """The feature's title (its file name when untitled; the test file for a plain test)."""
    template = _bdd_compat.scenario_template(item)
    if template is not None:
        return template.feature.name or template.feature.rel_filename
    return item.nodeid.split("::")[0]


def scenario_key(item: pytest.Item) -> ScenarioKey:
    """How expectations name a scenario: its feature file, its title as written and its Examples row id."""
    template = _bdd_compat.scenario_template(item)
    callspec = getattr(item, "callspec", None)
    example = callspec.id if callspec is not None else None
    if template is None:
        return ScenarioKey(str(item.path), item.name.split("[")[0], example)
    return ScenarioKey(str(template.feature.filename), template.name, example)
