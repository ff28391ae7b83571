"""The pages beside the index: compatibility table, operation reference, what changed between releases."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.protocol import Contract
from conformance.reports._coverage_model import CoverageMatrix
from conformance.reports.living_docs._columns import recording_column, reference_column, run_column
from conformance.reports.living_docs._compatibility import Column, build_table
from conformance.reports.living_docs._documents import DocFeature
from conformance.reports.living_docs._expected_failures import ExpectationsFile
from conformance.reports.living_docs._html_page import helpers
from conformance.reports.living_docs._operation_reference import (
    OperationDoc,
    build_reference,
    operation_labels,
)
from conformance.reports.living_docs._real_recordings import RealRecording
from conformance.reports.living_docs._release_changes import release_changes, release_pairs
from conformance.reports.living_docs._rendering import render
from conformance.reports.living_docs._results import RunResults
from conformance.reports.living_docs._scenario_links import ScenarioLinks

COMPATIBILITY_FILE = "compatibility.html"
OPERATIONS_FILE = "operations.html"


@dataclass
class SitePages:
    """The rendered pages, the navigation they share and what the index needs from them."""

    nav: list[tuple[str, str]]
    operations: list[OperationDoc]
    labels: dict[str, str]
    compatibility: str = ""
    reference: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # file, title, page

    def files(self) -> dict[str, str]:
        """File name -> page, the index aside."""
        pages = {COMPATIBILITY_FILE: self.compatibility, OPERATIONS_FILE: self.reference}
        pages.update({name: text for name, _, text in self.changes})
        return pages


def build_pages(
    features: list[DocFeature],
    matrix: CoverageMatrix,
    contract: Contract,
    recordings: list[RealRecording],
    expectations: list[ExpectationsFile],
    register: dict[str, Any],
    run: tuple[RunResults, Path] | None,
    reference: tuple[RunResults, Path] | None,
) -> SitePages:
    """Prepare and render every page except the index (which needs the navigation built here)."""
    labels = operation_labels(contract)
    operations = build_reference(contract, matrix, recordings)
    entries = [entry for entry in register.get("deviations") or [] if isinstance(entry, dict)]
    changes = [
        release_changes(old, new, contract, entries, expectations) for old, new in release_pairs(recordings)
    ]
    nav = [("index.html", "Overview"), (COMPATIBILITY_FILE, "Compatibility"), (OPERATIONS_FILE, "Operations")]
    nav += [(f"{item.slug}.html", f"Talk {item.older.major} → {item.newer.major}") for item in changes]
    pages = SitePages(nav, operations, labels)
    shared = {"pages": nav, **helpers(labels)}
    columns = _columns(recordings, expectations, run, reference)
    pages.compatibility = render(
        "compatibility.html",
        current=COMPATIBILITY_FILE,
        search="scenarios, features",
        columns=columns,
        blocks=build_table(features, columns),
        **shared,
    )
    releases = ", ".join(item.implementation for item in recordings) or "no shipped recording"
    pages.reference = render(
        "operations.html",
        current=OPERATIONS_FILE,
        search="operations",
        operations=operations,
        releases=releases,
        **shared,
    )
    links = ScenarioLinks(features)
    for item in changes:
        page = render(
            "changes.html", current=f"{item.slug}.html", changes=item, scenario_link=links.anchor, **shared
        )
        pages.changes.append((f"{item.slug}.html", item.title, page))
    return pages


def _columns(
    recordings: list[RealRecording],
    expectations: list[ExpectationsFile],
    run: tuple[RunResults, Path] | None,
    reference: tuple[RunResults, Path] | None,
) -> list[Column]:
    columns = []
    if run is not None:
        columns.append(run_column(run[0], run[1], expectations))
    if reference is not None:
        columns.append(reference_column(*reference))
    for recording in recordings:
        column = recording_column(recording, expectations)
        if column is not None:
            columns.append(column)
    return columns
