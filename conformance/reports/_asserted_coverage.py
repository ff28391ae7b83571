"""The matrix from what a run asserted: its summary.json's assertion records against the scenarios' tags."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from conformance import resources
from conformance.protocol import TRANSITIONS, Cell, Contract, load_contract
from conformance.reports._assertion_records import (
    RECORDS_KEY,
    SOURCE_KEY,
    Record,
    ResponseAssertion,
    TransitionAssertion,
    records_from_json,
)
from conformance.reports._coverage_model import (
    CellCoverage,
    CoverageInputError,
    CoverageMatrix,
    Deviation,
    NoRecordsError,
    ScenarioRef,
    StrayTag,
    TaggedScenario,
    TransitionCoverage,
    operation_names,
)
from conformance.reports._register_cells import load_register
from conformance.reports._summary import SUMMARY_FILE
from conformance.reports._tagged_coverage import cell_rows, match_cells, match_transitions

# Scenario verdicts whose tags must all be backed: a failed or skipped scenario may have stopped early.
_COMPLETE_VERDICTS = ("passed",)


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario of a run (every row of an outline together): its tags, verdicts and assertion records."""

    ref: ScenarioRef
    tags: tuple[str, ...]
    verdicts: tuple[str, ...]
    records: tuple[Record, ...]

    @property
    def ran_to_the_end(self) -> bool:
        """Every row passed, so every Then step ran and recorded what it checked."""
        return bool(self.verdicts) and all(verdict in _COMPLETE_VERDICTS for verdict in self.verdicts)


def load_run(results_dir: Path) -> list[ScenarioRun]:
    """The scenarios of a run's summary.json with their records (CoverageInputError when unusable)."""
    path = results_dir / SUMMARY_FILE
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CoverageInputError(f"cannot read the run's results {path}: {exc}") from None
    entries = summary.get("scenarios") if isinstance(summary, dict) else None
    if not isinstance(entries, list):
        raise CoverageInputError(f"{path} is not a summary.json of talk-conformance (no scenarios list)")
    grouped: dict[tuple[str, int], dict[str, Any]] = {}
    for entry in entries:
        source = entry.get(SOURCE_KEY) if isinstance(entry, dict) else None
        if not isinstance(source, dict) or RECORDS_KEY not in entry:
            raise NoRecordsError(
                f"{path}: scenario {entry.get('name') if isinstance(entry, dict) else entry!r} carries no "
                "assertion records; was the run made by this version of the suite?"
            )
        try:
            key = (str(source["path"]), int(source["line"]))
            records = records_from_json(entry[RECORDS_KEY])
        except (KeyError, TypeError, ValueError) as exc:
            raise CoverageInputError(f"{path}: scenario {entry.get('name')!r}: {exc}") from None
        group = grouped.setdefault(
            key, {"name": str(source.get("name", "")), "tags": [], "verdicts": [], "records": []}
        )
        group["tags"] += [tag for tag in entry.get("tags", []) if tag not in group["tags"]]
        group["verdicts"].append(str(entry.get("verdict")))
        group["records"] += [record for record in records if record not in group["records"]]
    return [
        ScenarioRun(
            ScenarioRef(feature, line, group["name"]),
            tuple(group["tags"]),
            tuple(group["verdicts"]),
            tuple(group["records"]),
        )
        for (feature, line), group in sorted(grouped.items())
    ]


def build_matrix_from_run(
    runs: Sequence[ScenarioRun],
    contract: Contract | None = None,
    register: Sequence[Deviation] | None = None,
) -> CoverageMatrix:
    """Cells and transitions covered by what the run's scenarios asserted; tags checked against it."""
    contract = contract or load_contract()
    register = load_register(resources.deviations_path()) if register is None else register
    cells = cell_rows(contract, register)
    transitions = [TransitionCoverage(transition) for transition in TRANSITIONS]
    matrix = CoverageMatrix(
        list(cells.values()),
        transitions,
        [],
        len(runs),
        from_records=True,
        operation_names=operation_names(contract),
    )
    for run in runs:
        tagged_cells, stray = _tagged_cells(TaggedScenario(run.ref, run.tags), contract)
        tagged_rows, stray_transitions = _tagged_transitions(TaggedScenario(run.ref, run.tags))
        matrix.stray_tags += stray + stray_transitions
        asserted_cells: list[Cell] = []
        asserted_rows: list[int] = []
        for record in run.records:
            if isinstance(record, ResponseAssertion):
                cell = _asserted_cell(record, contract)
                if cell is None:
                    reason = "asserted, but the contract documents no such cell"
                    matrix.untagged_assertions.append(StrayTag(run.ref, _record_label(record), reason))
                elif cell not in asserted_cells:
                    asserted_cells.append(cell)
            else:
                asserted_rows += [row for row in _asserted_rows(record) if row not in asserted_rows]
        for cell in asserted_cells:
            cells[cell].scenarios.append(run.ref)
        for index in asserted_rows:
            transitions[index].scenarios.append(run.ref)
        for tagged, asserted, label in (
            (tagged_cells, asserted_cells, _cell_tags),
            (tagged_rows, asserted_rows, _transition_tag),
        ):
            unasserted, untagged = _tag_mismatches(run, tagged, asserted, label)
            matrix.unasserted_tags += unasserted
            matrix.untagged_assertions += untagged
    return matrix


def _tagged_cells(scenario: TaggedScenario, contract: Contract) -> tuple[list[Cell], list[StrayTag]]:
    scratch = {cell: CellCoverage(cell) for cell in contract.cells()}
    stray = match_cells(scenario, contract, scratch)
    return [cell for cell, row in scratch.items() if row.scenarios], stray


def _tagged_transitions(scenario: TaggedScenario) -> tuple[list[int], list[StrayTag]]:
    scratch = [TransitionCoverage(transition) for transition in TRANSITIONS]
    stray = match_transitions(scenario, scratch)
    return [index for index, row in enumerate(scratch) if row.scenarios], stray


def _asserted_cell(record: ResponseAssertion, contract: Contract) -> Cell | None:
    known = {operation.operation_id: operation for operation in contract.operations}
    if record.operation not in known or record.status not in known[record.operation].statuses:
        return None
    documented = contract.documented_errors(record.operation, record.status)
    if not documented:
        return Cell(record.operation, record.status, None)
    return Cell(record.operation, record.status, record.error) if record.error in documented else None


def _asserted_rows(record: TransitionAssertion) -> list[int]:
    # The trigger tells a report's type apart (one operation) and a stop the recording server answered 404.
    return [
        index
        for index, row in enumerate(TRANSITIONS)
        if row.operation_id == record.operation
        and row.trigger == record.trigger
        and record.source in row.sources
        and record.target == row.target
    ]


_Item = TypeVar("_Item")


def _tag_mismatches(
    run: ScenarioRun, tagged: Sequence[_Item], asserted: Sequence[_Item], label: Callable[[_Item], str]
) -> tuple[list[StrayTag], list[StrayTag]]:
    """What the scenario tags but did not assert (once it ran to its end), and what it asserted untagged."""
    unasserted = [
        StrayTag(run.ref, label(item), "tagged but not asserted") for item in tagged if item not in asserted
    ]
    untagged = [
        StrayTag(run.ref, label(item), "asserted but not tagged") for item in asserted if item not in tagged
    ]
    return (unasserted if run.ran_to_the_end else []), untagged


def _cell_tags(cell: Cell) -> str:
    text = f"operation:{cell.operation_id} @status:{cell.status}"
    return text + (f" @error:{cell.error}" if cell.error else "")


def _transition_tag(index: int) -> str:
    transition = TRANSITIONS[index]
    sources = "/".join(str(source) for source in transition.sources)
    return f"transition:{sources}-{transition.target} ({transition.trigger})"


def _record_label(record: ResponseAssertion) -> str:
    text = f"{record.operation} {record.status}" + (f" {record.error}" if record.error else "")
    return f"(asserted {text})"
