"""What the coverage matrix is made of: scenario references, register entries, cell and transition rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.protocol import Cell, Contract, Transition

# The decision that says "no scenario can exist"; a cell explained by another decision is shown apart.
UNREACHABLE = "unreachable"
CELL_VERDICTS = ("covered", "unreachable", "registered", "uncovered")


@dataclass(frozen=True)
class ScenarioRef:
    """Where a scenario (or one Examples block of an outline) is written."""

    feature: str
    line: int
    name: str
    examples_line: int | None = None
    examples_name: str = ""

    @property
    def label(self) -> str:
        """Feature file and scenario name, plus the Examples block when the tags came from one."""
        text = f"{self.feature}: {self.name}"
        # No line numbers: the checked-in docs/coverage.md would go stale on every unrelated edit.
        if self.examples_line is not None:
            text += f" (Examples: {self.examples_name})" if self.examples_name else " (Examples)"
        return text


@dataclass(frozen=True)
class TaggedScenario:
    """A scenario with every tag that applies to it (feature, rule, scenario and Examples block)."""

    ref: ScenarioRef
    tags: tuple[str, ...]

    def values(self, key: str) -> list[str]:
        """The values of the `@key:value` tags, in order."""
        prefix = f"{key}:"
        return [tag[len(prefix) :] for tag in self.tags if tag.startswith(prefix)]


@dataclass(frozen=True)
class Deviation:
    """One entry of the deviation register, reduced to what coverage needs."""

    id: str
    title: str
    decision: str
    cells: frozenset[Cell]


@dataclass(frozen=True)
class StrayTag:
    """A scenario tag that names nothing the contract or the state machine documents."""

    scenario: ScenarioRef
    tag: str
    reason: str


@dataclass
class CellCoverage:
    """One documented cell, the scenarios covering it and the register entries naming it."""

    cell: Cell
    scenarios: list[ScenarioRef] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)

    @property
    def explained_by(self) -> list[Deviation]:
        """The register entries naming this cell, `unreachable` ones first."""
        return sorted(self.deviations, key=lambda entry: entry.decision != UNREACHABLE)

    @property
    def verdict(self) -> str:
        """`covered` (a scenario), `unreachable` / `registered` (a register entry) or `uncovered`."""
        if self.scenarios:
            return "covered"
        if not self.deviations:
            return "uncovered"
        return "unreachable" if self.explained_by[0].decision == UNREACHABLE else "registered"


@dataclass
class TransitionCoverage:
    """One transition of the state machine and the scenarios covering it."""

    transition: Transition
    scenarios: list[ScenarioRef] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """`covered` or `uncovered` (the register has no entries for transitions)."""
        return "covered" if self.scenarios else "uncovered"


@dataclass
class CoverageMatrix:
    """Every documented cell and transition against the scenarios and the deviation register."""

    cells: list[CellCoverage]
    transitions: list[TransitionCoverage]
    stray_tags: list[StrayTag]
    scenario_count: int
    # Built from a run's assertion records (--results) instead of the scenarios' tags alone.
    from_records: bool = False
    unasserted_tags: list[StrayTag] = field(default_factory=list)  # errors: a tag no assertion backs
    untagged_assertions: list[StrayTag] = field(default_factory=list)  # warnings: an assertion not tagged
    # operationId -> "METHOD /full/path": how every rendering names an operation.
    operation_names: dict[str, str] = field(default_factory=dict)

    def operation_name(self, operation_id: str) -> str:
        """The operation as a reader knows it, by method and full path (the id when it is unknown)."""
        return self.operation_names.get(operation_id, operation_id)

    @property
    def uncovered_cells(self) -> list[CellCoverage]:
        """Cells with neither a scenario nor an entry in the deviation register."""
        return [row for row in self.cells if row.verdict == "uncovered"]

    @property
    def uncovered_transitions(self) -> list[TransitionCoverage]:
        """Transitions no scenario is tagged with."""
        return [row for row in self.transitions if row.verdict == "uncovered"]

    @property
    def complete(self) -> bool:
        """True when every cell and transition is covered or explained and every tag is backed."""
        return not self.uncovered_cells and not self.uncovered_transitions and not self.unasserted_tags

    def counts(self) -> dict[str, int]:
        """How many cells and transitions have each verdict."""
        counts = {"cells": len(self.cells), "transitions": len(self.transitions)}
        for verdict in CELL_VERDICTS:
            counts[f"cells_{verdict}"] = sum(1 for row in self.cells if row.verdict == verdict)
        for verdict in ("covered", "uncovered"):
            counts[f"transitions_{verdict}"] = sum(1 for row in self.transitions if row.verdict == verdict)
        if self.from_records:
            counts["tagged_but_not_asserted"] = len(self.unasserted_tags)
            counts["asserted_but_not_tagged"] = len(self.untagged_assertions)
        return counts


class CoverageInputError(Exception):
    """A feature file or the deviation register cannot be read."""


class NoRecordsError(CoverageInputError):
    """A run's summary.json holds no assertion records (written by an older version of the suite)."""


def operation_names(contract: Contract) -> dict[str, str]:
    """operationId -> "METHOD /full/path" for every operation of the contract."""
    return {op.operation_id: f"{op.method} {contract.prefix}{op.path}" for op in contract.operations}
