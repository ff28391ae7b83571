"""The compatibility table: one row per scenario (or outline row), one column per implementation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance.reports.living_docs._documents import DocFeature, scenario_anchor
from conformance.reports.living_docs._expected_failures import ExpectationsFile, PinnedFailure, register_id
from conformance.reports.living_docs._results import RunResults
from conformance.traffic import NOT_FOR_RELEASE, RecordedVerdict

NOT_IN_RESULTS = "not-in-results"
NOT_FOR_THIS_RELEASE = "not-for-release"
# Cells a totals figure leaves out: the implementation was not asked to run the scenario.
NOT_COUNTED = {NOT_IN_RESULTS, NOT_FOR_THIS_RELEASE}
# A column counts these as failing; the "failures only" filter keeps rows with one of them.
FAILING = {"failed", "error", "failed-differently", "unexpectedly-passed"}
VERDICT_WORDS = {
    "passed": "passed",
    "failed": "failed",
    "error": "error",
    "skipped": "skipped",
    "expected-failure": "expected failure",
    "failed-differently": "failed differently",
    "unexpectedly-passed": "unexpectedly passed",
    "not-run": "not run",
    NOT_IN_RESULTS: "not in these results",
    NOT_FOR_THIS_RELEASE: "not for this release",
}


@dataclass(frozen=True)
class Column:
    """One implementation: a heading, its verdicts, and the expectations file its run used."""

    key: str
    heading: str
    short: str  # in a totals cell: "Talk 23"
    detail: str
    results: RunResults
    expectations: ExpectationsFile | None = None
    # A real recording judged for the current scenarios, by fingerprint key ("file.feature::name");
    # None: the cells are the verdicts of `results`.
    recorded: Mapping[str, RecordedVerdict] | None = None


@dataclass(frozen=True)
class Cell:
    """What one implementation did with one scenario."""

    verdict: str
    register: str | None = None
    observed: str | None = None
    pinned_by: str | None = None  # the expectations file that pins the observed answer
    answered: str | None = None  # a recorded failure's answer when no entry pins it, or another one
    partial: bool = False  # judged on the recorded answer by the first Then step only

    @property
    def words(self) -> str:
        """The verdict in words."""
        return VERDICT_WORDS.get(self.verdict, self.verdict.replace("-", " "))


@dataclass(frozen=True)
class Row:
    """One scenario or outline row across the columns."""

    name: str
    anchor: str
    cells: tuple[Cell, ...]

    @property
    def differs(self) -> bool:
        """Whether the implementations that ran it did not all reach the same verdict."""
        return len({cell.verdict for cell in self.cells if cell.verdict != NOT_IN_RESULTS}) > 1

    @property
    def failing(self) -> bool:
        """Whether any implementation failed it (an expected failure is not counted)."""
        return any(cell.verdict in FAILING for cell in self.cells)


@dataclass
class FeatureBlock:
    """A feature's rows and, per column, how many of its rows passed out of those that were in the results."""

    feature: DocFeature
    rows: list[Row] = field(default_factory=list)

    def totals(self, columns: list[Column]) -> list[str]:
        """Per column "14/17" (passed / in the results), or "not in these results"."""
        figures = []
        for index in range(len(columns)):
            cells = [row.cells[index] for row in self.rows if row.cells[index].verdict not in NOT_COUNTED]
            passed = sum(1 for cell in cells if cell.verdict == "passed")
            figures.append(f"{passed}/{len(cells)}" if cells else VERDICT_WORDS[NOT_IN_RESULTS])
        return figures


def build_table(features: list[DocFeature], columns: list[Column]) -> list[FeatureBlock]:
    """The table's feature blocks, in feature order."""
    blocks = []
    for feature in features:
        block = FeatureBlock(feature)
        for scenario in feature.scenarios:
            for name in scenario.result_names:
                cells = tuple(_cell(column, feature, name) for column in columns)
                block.rows.append(Row(name, scenario_anchor(feature.path, scenario.line), cells))
        blocks.append(block)
    return blocks


def _cell(column: Column, feature: DocFeature, name: str) -> Cell:
    if column.recorded is not None:
        return _recorded_cell(column, feature, name)
    outcome = column.results.outcomes.get((feature.name, name))
    if outcome is None:
        return Cell(NOT_IN_RESULTS)
    if outcome.verdict not in ("expected-failure", "failed-differently", "unexpectedly-passed"):
        return Cell(outcome.verdict)
    pinned: PinnedFailure | None = None
    if column.expectations is not None:
        pinned = column.expectations.find(feature.path, name)
    register = register_id(outcome.expected) or (pinned.register if pinned else None)
    observed = pinned.observed if pinned else None
    return Cell(
        outcome.verdict,
        register,
        observed,
        column.expectations.name if observed and column.expectations else None,
    )


def _recorded_cell(column: Column, feature: DocFeature, name: str) -> Cell:
    """A recording's judged verdict, held against the shipped expectations file of its release."""
    verdict = (column.recorded or {}).get(f"{Path(feature.path).name}::{name}")
    if verdict is None or verdict.how == "not recorded":
        return Cell(NOT_IN_RESULTS)
    if verdict.how == NOT_FOR_RELEASE:
        return Cell(NOT_FOR_THIS_RELEASE)
    if verdict.how == "skipped":
        return Cell("skipped")
    if not verdict.failed:
        return Cell("passed", partial=verdict.partial)
    answered = verdict.answer.describe() if verdict.answer is not None else None
    pinned = column.expectations.find(feature.path, name) if column.expectations is not None else None
    if pinned is None:
        return Cell("failed", answered=answered, partial=verdict.partial)
    file_name = column.expectations.name if column.expectations is not None else None
    if pinned.answer is not None and pinned.answer == verdict.answer:
        return Cell("expected-failure", pinned.register, pinned.observed, file_name, partial=verdict.partial)
    return Cell(
        "failed-differently", pinned.register, pinned.observed, file_name, answered, partial=verdict.partial
    )
