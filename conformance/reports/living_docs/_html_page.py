"""The index page: overview, status diagram, features with their verdicts, coverage matrix, register."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from conformance.reports._coverage_model import CoverageMatrix
from conformance.reports.living_docs._compatibility import NOT_IN_RESULTS, VERDICT_WORDS
from conformance.reports.living_docs._documents import (
    DocFeature,
    DocScenario,
    ExampleRow,
    ExamplesBlock,
    scenario_anchor,
)
from conformance.reports.living_docs._operation_reference import OperationDoc
from conformance.reports.living_docs._rendering import STYLESHEET, TITLE, render
from conformance.reports.living_docs._results import RunResults, ScenarioOutcome, worst
from conformance.reports.living_docs._status_diagram import render_status_diagram
from conformance.reports.living_docs._tag_labels import tag_words

__all__ = ["STYLESHEET", "TITLE", "render_page", "verdict_words"]

_REGISTER_FIELDS = (
    ("docs_say", "Docs say"),
    ("upstream_does", "Upstream does"),
    ("suite_requires", "Suite requires"),
    ("why", "Why"),
    ("decision", "Decision"),
    ("upstream_expected_to_fail", "Upstream expected to fail"),
)


@dataclass
class ScenarioView:
    """A scenario with what the run says about it."""

    scenario: DocScenario
    anchor: str
    verdict: str | None
    outcome: ScenarioOutcome | None
    examples: list[ExamplesView] = field(default_factory=list)


@dataclass
class ExamplesView:
    """An Examples block with each row's outcome."""

    block: ExamplesBlock
    rows: list[tuple[ExampleRow, ScenarioOutcome | None]]


@dataclass
class FeatureView:
    """A feature with its scenarios' views and its overall verdict."""

    feature: DocFeature
    verdict: str | None
    scenarios: list[ScenarioView]

    @property
    def search(self) -> str:
        """The text the search box matches the overview row against."""
        return " ".join([self.feature.name, *(item.scenario.name for item in self.scenarios)]).lower()


def verdict_words(verdict: str) -> str:
    """A verdict as the page says it; a scenario no run reported is "not in these results"."""
    return VERDICT_WORDS[NOT_IN_RESULTS] if verdict == "not-run" else VERDICT_WORDS.get(verdict, verdict)


def render_page(
    features: list[DocFeature],
    matrix: CoverageMatrix,
    register: list[dict[str, Any]],
    results: RunResults | None,
    accepted: list[dict[str, Any]] | None = None,
    pages: list[tuple[str, str]] | None = None,
    operations: list[OperationDoc] | None = None,
    operation_labels: dict[str, str] | None = None,
    change_pages: list[tuple[str, str]] | None = None,
) -> str:
    """index.html: it links only the local stylesheet and script."""
    labels = operation_labels or {}
    counts = matrix.counts()
    return render(
        "index.html",
        pages=pages or [("index.html", "Overview")],
        current="index.html",
        search="features, scenarios, operations",
        results=results,
        figures=_figures(results),
        features=[_feature_view(feature, results) for feature in features],
        operations=operations or [],
        operation_labels=_LabelLookup(labels),
        change_pages=change_pages or [],
        diagram=Markup(render_status_diagram(matrix)),  # noqa: S704 - built by status_diagram with escape()
        matrix=matrix,
        counts=counts,
        covered_by="asserted by scenarios of this run" if matrix.from_records else "covered by scenarios",
        register=[_register_entry(entry) for entry in register],
        accepted=[_accepted_entry(entry) for entry in accepted or []],
        **helpers(labels),
    )


def helpers(labels: dict[str, str]) -> dict[str, Any]:
    """Functions every template may call."""
    return {
        "verdict_words": verdict_words,
        "tag_words": lambda tag: tag_words(tag, labels),
        "scenario_anchor": scenario_anchor,
    }


class _LabelLookup(dict):
    """operationId -> method and path; an id the contract does not know is shown as it is."""

    def __missing__(self, key: str) -> str:
        return key


def _figures(results: RunResults | None) -> list[tuple[str, int]]:
    if results is None or not results.totals:
        return []
    # An expected failure, a different failure and an unexpected pass are verdicts of their own: without
    # their tiles the other tiles would not add up to the total.
    expectation_verdicts = ("expected_failure", "unexpectedly_passed")
    names = ("total", "passed", "failed", "failed_differently", "error", "skipped", *expectation_verdicts)
    return [
        (name, results.totals.get(name, 0))
        for name in names
        if name in results.totals or name in expectation_verdicts
    ]


def _feature_view(feature: DocFeature, results: RunResults | None) -> FeatureView:
    views = [_scenario_view(feature, scenario, results) for scenario in feature.scenarios]
    verdict = worst([view.verdict or "not-run" for view in views]) if results is not None else None
    return FeatureView(feature, verdict, views)


def _scenario_view(feature: DocFeature, scenario: DocScenario, results: RunResults | None) -> ScenarioView:
    anchor = scenario_anchor(feature.path, scenario.line)
    if results is None:
        examples = [ExamplesView(block, [(row, None) for row in block.rows]) for block in scenario.examples]
        return ScenarioView(scenario, anchor, None, None, examples)
    verdict = worst([results.outcome(feature.name, name).verdict for name in scenario.result_names])
    outcome = None if scenario.examples else results.outcome(feature.name, scenario.name)
    examples = [
        ExamplesView(block, [(row, results.outcome(feature.name, row.result_name)) for row in block.rows])
        for block in scenario.examples
    ]
    return ScenarioView(scenario, anchor, verdict, outcome, examples)


def _register_entry(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(entry.get("id", "?")),
        "title": str(entry.get("title", "")),
        "fields": [(label, entry[key]) for key, label in _REGISTER_FIELDS if key in entry],
        "observed": observed_blocks(entry.get("observed")),
        "cells": [_cell_text(cell) for cell in entry.get("cells") or []],
    }


def _accepted_entry(entry: dict[str, Any]) -> dict[str, Any]:
    fields = [
        (label, ", ".join(map(str, entry.get(key) or [])))
        for key, label in (("kinds", "Accepts"), ("scenarios", "Scenarios"), ("requests", "Requests"))
    ]
    return {
        "id": str(entry.get("id", "?")),
        "title": str(entry.get("title", "")),
        "fields": fields,
        "observed": observed_blocks(entry.get("observed")),
        "why": str(entry.get("why", "")),
        "see": [str(item) for item in entry.get("see") or []],
    }


def observed_blocks(observed: Any) -> list[tuple[str, str]]:
    """The real answers a register entry quotes: one block, or one per release when it gives several."""
    if not observed:
        return []
    per_release = isinstance(observed, dict) and all(isinstance(value, dict) for value in observed.values())
    if per_release:
        # per-release observations, keyed by the release ("22", "talk-23", ...)
        return [(f"Observed (real Talk {_release(key)})", _lines(value)) for key, value in observed.items()]
    return [("Observed (real Talk 22)", _lines(observed) if isinstance(observed, dict) else str(observed))]


def _release(key: Any) -> str:
    text = str(key)
    return text.removeprefix("talk-").removeprefix("talk_").removeprefix("Talk ")


def _lines(values: dict[str, Any]) -> str:
    return "\n".join(f"{key}: {value}" for key, value in values.items())


def _cell_text(cell: Any) -> str:
    if not isinstance(cell, dict):
        return str(cell)
    error = cell.get("error")
    return f"{cell.get('operation')} {cell.get('status')}" + (f" {error}" if error else "")
