"""The CI gate: the matrix of a real run against the bundled reference server, built from what it asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.reports._coverage_rendering import render_markdown
from conformance.reports.coverage_matrix import load_run_matrix

COVERAGE_DOC = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"
REGENERATE = (
    "talk-conformance --report-dir out && "
    "talk-conformance matrix --results out --format markdown --output docs/coverage.md"
)


@pytest.fixture(scope="module")
def run_matrix(tmp_path_factory: pytest.TempPathFactory):
    """One real run of every scenario (a few seconds), then its matrix."""
    reports = tmp_path_factory.mktemp("gate") / "reports"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "--report-dir", str(reports)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, (
        f"the run failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-2000:]}"
    )
    return load_run_matrix(reports, None, None)


def test_every_documented_cell_is_asserted_by_the_run_or_explained_by_the_register(run_matrix) -> None:
    missing = [
        f"{row.cell.operation_id} {row.cell.status} {row.cell.error or '(no error string)'}"
        for row in run_matrix.uncovered_cells
    ]
    assert not missing, "cells no step of the run asserted and the register does not explain: " + "; ".join(
        missing
    )


def test_every_recording_status_transition_is_observed_by_the_run(run_matrix) -> None:
    missing = [row.transition.described() for row in run_matrix.uncovered_transitions]
    assert not missing, "transitions no Then step observed: " + "; ".join(missing)


def test_every_tag_is_backed_by_an_assertion_of_its_scenario(run_matrix) -> None:
    unbacked = [f"{entry.scenario.label}: @{entry.tag}" for entry in run_matrix.unasserted_tags]
    assert not unbacked, "tagged but not asserted: " + "; ".join(unbacked)


def test_every_tag_names_a_documented_cell_or_transition(run_matrix) -> None:
    stray = [f"{tag.scenario.label}: @{tag.tag} ({tag.reason})" for tag in run_matrix.stray_tags]
    assert not stray, "tags that match nothing documented: " + "; ".join(stray)


def test_docs_coverage_md_is_the_matrix_of_a_real_run(run_matrix) -> None:
    assert COVERAGE_DOC.read_text(encoding="utf-8") == render_markdown(run_matrix), (
        f"docs/coverage.md is stale; regenerate it with `{REGENERATE}`"
    )
