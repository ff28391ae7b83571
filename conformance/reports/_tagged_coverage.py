"""The matrix from the scenarios' tags: each @operation/@status/@error and @transition tag matched."""

from __future__ import annotations

from collections.abc import Sequence

from conformance import resources
from conformance.protocol import TRANSITIONS, Cell, Contract, Transition, load_contract
from conformance.reports._coverage_model import (
    CellCoverage,
    CoverageMatrix,
    Deviation,
    StrayTag,
    TaggedScenario,
    TransitionCoverage,
    operation_names,
)
from conformance.reports._feature_tags import load_scenarios
from conformance.reports._register_cells import load_register


def build_matrix(
    contract: Contract | None = None,
    scenarios: Sequence[TaggedScenario] | None = None,
    register: Sequence[Deviation] | None = None,
) -> CoverageMatrix:
    """Match the scenarios' tags against the contract's cells and the state machine (bundled by default)."""
    contract = contract or load_contract()
    scenarios = load_scenarios(resources.features_dir()) if scenarios is None else scenarios
    register = load_register(resources.deviations_path()) if register is None else register
    cells = cell_rows(contract, register)
    transitions = [TransitionCoverage(transition) for transition in TRANSITIONS]
    stray: list[StrayTag] = []
    for scenario in scenarios:
        stray += match_cells(scenario, contract, cells)
        stray += match_transitions(scenario, transitions)
    return CoverageMatrix(
        list(cells.values()), transitions, stray, len(scenarios), operation_names=operation_names(contract)
    )


def cell_rows(contract: Contract, register: Sequence[Deviation]) -> dict[Cell, CellCoverage]:
    cells = {cell: CellCoverage(cell) for cell in contract.cells()}
    for entry in register:
        for cell in entry.cells:
            if cell in cells:
                cells[cell].deviations.append(entry)
    return cells


def error_tag(error: str) -> str:
    """The @error tag value of an error string: tags cannot hold spaces, so they become underscores."""
    return error.replace(" ", "_")


def match_cells(
    scenario: TaggedScenario, contract: Contract, cells: dict[Cell, CellCoverage]
) -> list[StrayTag]:
    ref = scenario.ref
    operations = scenario.values("operation")
    status_tags = scenario.values("status")
    errors = scenario.values("error")
    stray: list[StrayTag] = []
    known = {operation.operation_id: operation for operation in contract.operations}
    for operation_id in operations:
        if operation_id not in known:
            stray.append(StrayTag(ref, f"operation:{operation_id}", "no such operationId in the contract"))
    operations = [operation_id for operation_id in operations if operation_id in known]
    if status_tags and not operations:
        stray += [StrayTag(ref, f"status:{tag}", "the scenario has no @operation tag") for tag in status_tags]
        return stray
    used_errors: set[str] = set()
    for tag in status_tags:
        try:
            status = int(tag)
        except ValueError:
            stray.append(StrayTag(ref, f"status:{tag}", "not an HTTP status code"))
            continue
        documented_for = [op for op in operations if status in known[op].statuses]
        if not documented_for:
            stray.append(StrayTag(ref, f"status:{tag}", f"not documented for {', '.join(operations)}"))
        for operation_id in documented_for:
            documented = contract.documented_errors(operation_id, status)
            if not documented:
                cells[Cell(operation_id, status, None)].scenarios.append(ref)
                continue
            by_tag = {error_tag(error): error for error in documented}
            named = [error for error in errors if error in by_tag]
            if not named:
                reason = f"{operation_id} {status} has error strings; the scenario names none with @error"
                stray.append(StrayTag(ref, f"status:{tag}", reason))
            for error in named:
                cells[Cell(operation_id, status, by_tag[error])].scenarios.append(ref)
                used_errors.add(error)
    for error in errors:
        if error not in used_errors:
            stray.append(
                StrayTag(ref, f"error:{error}", "documented for none of the scenario's operations/statuses")
            )
    return stray


def match_transitions(scenario: TaggedScenario, transitions: list[TransitionCoverage]) -> list[StrayTag]:
    operations = set(scenario.values("operation"))
    stray: list[StrayTag] = []
    for tag in scenario.values("transition"):
        pair = _parse_pair(tag)
        candidates = [row for row in transitions if pair and _leads(row.transition, pair)]
        if not candidates:
            stray.append(
                StrayTag(scenario.ref, f"transition:{tag}", "not a transition of the recording status")
            )
            continue
        # 1-5 is both a `failed` report and a stop answered 404: the scenario's operation tells which.
        if len(candidates) > 1:
            by_operation = [row for row in candidates if row.transition.operation_id in operations]
            candidates = by_operation or candidates
        for row in candidates:
            if scenario.ref not in row.scenarios:  # 1-5 and 3-5 of one scenario are the same 404 row
                row.scenarios.append(scenario.ref)
    return stray


def _leads(transition: Transition, pair: tuple[int, int]) -> bool:
    return pair[0] in transition.sources and pair[1] == transition.target


def _parse_pair(tag: str) -> tuple[int, int] | None:
    source, _, target = tag.partition("-")
    try:
        return int(source), int(target)
    except ValueError:
        return None
