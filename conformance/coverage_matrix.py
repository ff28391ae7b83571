"""Which documented cell and status transition each scenario asserted (or claims), and what is left."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from gherkin.errors import ParserError
from gherkin.parser import Parser

from conformance import resources
from conformance.assertion_records import (
    RECORDS_KEY,
    SOURCE_KEY,
    Record,
    ResponseAssertion,
    TransitionAssertion,
    records_from_json,
)
from conformance.contract import Cell, Contract, load_contract
from conformance.reports import SUMMARY_FILE

EXIT_COVERED, EXIT_UNCOVERED, EXIT_USAGE = 0, 1, 2
PROG = "talk-conformance matrix"

# The decision that says "no scenario can exist"; a cell explained by another decision is shown apart.
UNREACHABLE = "unreachable"
CELL_VERDICTS = ("covered", "unreachable", "registered", "uncovered")

STATE_NAMES = {
    0: "none",
    1: "video",
    2: "audio",
    3: "starting video",
    4: "starting audio",
    5: "failed",
}


@dataclass(frozen=True)
class Transition:
    """One change of the recording status, by the trigger that causes it."""

    trigger: str
    operation_id: str
    sources: tuple[int, ...]
    target: int

    @property
    def label(self) -> str:
        """E.g. `3 → 1` or `1–5 → 5` when any of several states qualifies."""
        first, last = self.sources[0], self.sources[-1]
        origin = str(first) if first == last else f"{first}–{last}"
        return f"{origin} → {self.target}"

    def described(self) -> str:
        """The transition in words: trigger, from which status to which."""
        origin = " or ".join(STATE_NAMES[state] for state in self.sources)
        return f"{self.trigger}: {origin} → {STATE_NAMES[self.target]}"


def _machine() -> tuple[Transition, ...]:
    # talk-behaviour.md section 3. "any" sources get one row per state: each is an input a server must handle.
    start, backend, stop = "recording-start", "recording-backend", "recording-stop"
    rows = [Transition("start", start, (source,), target) for source in (0, 5) for target in (3, 4)]
    rows += [Transition("started", backend, (source,), target) for source in (3, 4) for target in (1, 2)]
    rows += [Transition("stopped", backend, (source,), 0) for source in range(6)]
    rows += [Transition("failed", backend, (source,), 5) for source in range(6)]
    # stop only contacts the recording server when a recording exists, so its 404 path starts from 1-5.
    rows.append(Transition("stop answered 404 by the recording server", stop, (1, 2, 3, 4, 5), 5))
    return tuple(rows)


TRANSITIONS = _machine()


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


# --- reading the inputs ---------------------------------------------------------------------------


def feature_files(features_dir: Path) -> list[Path]:
    """The .feature files below a directory, in a stable order."""
    return sorted(features_dir.rglob("*.feature"))


def parse_feature(path: Path) -> dict[str, Any]:
    """The gherkin-official AST of one feature file (CoverageInputError naming the file otherwise)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CoverageInputError(f"cannot read {path}: {exc}") from None
    try:
        return Parser().parse(text)
    except ParserError as exc:
        raise CoverageInputError(f"{path} is not valid Gherkin: {exc}") from None


def tagged_scenarios(document: dict[str, Any], feature_name: str) -> list[TaggedScenario]:
    """Each scenario, or each Examples block of an outline, with the tags inherited from above."""
    feature = document.get("feature")
    if not feature:
        return []
    found: list[TaggedScenario] = []
    feature_tags = _tag_names(feature)
    for child in feature.get("children", []):
        if "rule" in child:
            rule = child["rule"]
            for rule_child in rule.get("children", []):
                if "scenario" in rule_child:
                    found += _scenario_units(
                        rule_child["scenario"], feature_tags + _tag_names(rule), feature_name
                    )
        elif "scenario" in child:
            found += _scenario_units(child["scenario"], feature_tags, feature_name)
    return found


def _scenario_units(
    scenario: dict[str, Any], inherited: list[str], feature_name: str
) -> list[TaggedScenario]:
    tags = inherited + _tag_names(scenario)
    line = scenario["location"]["line"]
    examples = [block for block in scenario.get("examples", []) if block.get("tableBody")]
    if not examples:
        return [TaggedScenario(ScenarioRef(feature_name, line, scenario["name"]), tuple(tags))]
    return [
        TaggedScenario(
            ScenarioRef(
                feature_name, line, scenario["name"], block["location"]["line"], block.get("name", "")
            ),
            tuple(tags + _tag_names(block)),
        )
        for block in examples
    ]


def _tag_names(node: dict[str, Any]) -> list[str]:
    return [tag["name"].lstrip("@") for tag in node.get("tags", [])]


def load_scenarios(features_dir: Path) -> list[TaggedScenario]:
    """Every tagged scenario unit of every feature file below `features_dir`."""
    scenarios: list[TaggedScenario] = []
    for path in feature_files(features_dir):
        if path.relative_to(features_dir).parts[0] == "recording_server":
            continue  # the recording server's own API (docs/recording-server-suite.md), not recording.yaml
        scenarios += tagged_scenarios(parse_feature(path), path.relative_to(features_dir).as_posix())
    return scenarios


def load_register(path: Path) -> list[Deviation]:
    """The entries of the deviation register (CoverageInputError when it is unreadable or malformed)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CoverageInputError(f"cannot read the deviation register {path}: {exc}") from None
    entries = data.get("deviations") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CoverageInputError(f"{path}: expected a top-level `deviations:` list")
    register: list[Deviation] = []
    for index, entry in enumerate(entries):
        try:
            cells = frozenset(
                Cell(str(cell["operation"]), int(cell["status"]), cell.get("error"))
                for cell in entry["cells"]
            )
            register.append(Deviation(str(entry["id"]), str(entry["title"]), str(entry["decision"]), cells))
        except (KeyError, TypeError, ValueError) as exc:
            raise CoverageInputError(f"{path}: entry #{index + 1} is malformed ({exc!r})") from None
    return register


# --- building the matrix --------------------------------------------------------------------------


def build_matrix(
    contract: Contract | None = None,
    scenarios: Sequence[TaggedScenario] | None = None,
    register: Sequence[Deviation] | None = None,
) -> CoverageMatrix:
    """Match the scenarios' tags against the contract's cells and the state machine (bundled by default)."""
    contract = contract or load_contract()
    scenarios = load_scenarios(resources.features_dir()) if scenarios is None else scenarios
    register = load_register(resources.deviations_path()) if register is None else register
    cells = _cell_rows(contract, register)
    transitions = [TransitionCoverage(transition) for transition in TRANSITIONS]
    stray: list[StrayTag] = []
    for scenario in scenarios:
        stray += _match_cells(scenario, contract, cells)
        stray += _match_transitions(scenario, transitions)
    return CoverageMatrix(
        list(cells.values()), transitions, stray, len(scenarios), operation_names=operation_names(contract)
    )


def operation_names(contract: Contract) -> dict[str, str]:
    """operationId -> "METHOD /full/path" for every operation of the contract."""
    return {op.operation_id: f"{op.method} {contract.prefix}{op.path}" for op in contract.operations}


def _cell_rows(contract: Contract, register: Sequence[Deviation]) -> dict[Cell, CellCoverage]:
    cells = {cell: CellCoverage(cell) for cell in contract.cells()}
    for entry in register:
        for cell in entry.cells:
            if cell in cells:
                cells[cell].deviations.append(entry)
    return cells


def error_tag(error: str) -> str:
    """The @error tag value of an error string: tags cannot hold spaces, so they become underscores."""
    return error.replace(" ", "_")


def _match_cells(
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


def _match_transitions(scenario: TaggedScenario, transitions: list[TransitionCoverage]) -> list[StrayTag]:
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


# --- building the matrix from what a run asserted -------------------------------------------------

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
        if source is None and isinstance(entry, dict) and entry.get("verdict") == "skipped":
            continue  # skipped before it ran (e.g. not for the target's Talk release): it asserted nothing
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
    cells = _cell_rows(contract, register)
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
        if run.ran_to_the_end:
            matrix.unasserted_tags += [
                StrayTag(run.ref, _cell_tags(cell), "tagged but not asserted")
                for cell in tagged_cells
                if cell not in asserted_cells
            ]
            matrix.unasserted_tags += [
                StrayTag(run.ref, _transition_tag(index), "tagged but not asserted")
                for index in tagged_rows
                if index not in asserted_rows
            ]
        matrix.untagged_assertions += [
            StrayTag(run.ref, _cell_tags(cell), "asserted but not tagged")
            for cell in asserted_cells
            if cell not in tagged_cells
        ]
        matrix.untagged_assertions += [
            StrayTag(run.ref, _transition_tag(index), "asserted but not tagged")
            for index in asserted_rows
            if index not in tagged_rows
        ]
    return matrix


def _tagged_cells(scenario: TaggedScenario, contract: Contract) -> tuple[list[Cell], list[StrayTag]]:
    scratch = {cell: CellCoverage(cell) for cell in contract.cells()}
    stray = _match_cells(scenario, contract, scratch)
    return [cell for cell, row in scratch.items() if row.scenarios], stray


def _tagged_transitions(scenario: TaggedScenario) -> tuple[list[int], list[StrayTag]]:
    scratch = [TransitionCoverage(transition) for transition in TRANSITIONS]
    stray = _match_transitions(scenario, scratch)
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


# --- rendering ------------------------------------------------------------------------------------


def _cell_label(cell: Cell) -> str:
    return f"{cell.operation_id} {cell.status}" + (f" {cell.error}" if cell.error else "")


def _explanation(row: CellCoverage | TransitionCoverage) -> list[str]:
    if row.scenarios:
        return [scenario.label for scenario in row.scenarios]
    if isinstance(row, CellCoverage) and row.explained_by:
        return [f"{entry.id} ({entry.decision}): {entry.title}" for entry in row.explained_by]
    if isinstance(row, CellCoverage):
        return ["NO SCENARIO and no entry in the deviation register"]
    return ["NO SCENARIO"]


def _summary_line(matrix: CoverageMatrix) -> str:
    counts = matrix.counts()
    covered_by = "asserted by scenarios of the run" if matrix.from_records else "covered by scenarios"
    line = (
        f"{counts['cells']} cells: {counts['cells_covered']} {covered_by}, "
        f"{counts['cells_unreachable']} unreachable and {counts['cells_registered']} otherwise explained "
        "by the deviation register, "
        f"{counts['cells_uncovered']} uncovered; "
        f"{counts['transitions']} transitions: {counts['transitions_covered']} covered, "
        f"{counts['transitions_uncovered']} uncovered ({matrix.scenario_count} scenarios read)"
    )
    if matrix.from_records:
        line += (
            f"; {counts['tagged_but_not_asserted']} tagged but not asserted, "
            f"{counts['asserted_but_not_tagged']} asserted but not tagged"
        )
    return line


def _record_sections(matrix: CoverageMatrix) -> list[tuple[str, list[StrayTag]]]:
    return [
        ("Tagged but not asserted (errors: the tag claims a check no step made)", matrix.unasserted_tags),
        ("Asserted but not tagged (warnings: the tags omit a check)", matrix.untagged_assertions),
    ]


def render_text(matrix: CoverageMatrix) -> str:
    """The matrix as a plain-text table for a terminal."""
    lines = [_summary_line(matrix), ""]
    # The rows keep the ids the tags use (@operation:...); this legend names them by method and path.
    lines += [f"{operation_id}: {name}" for operation_id, name in matrix.operation_names.items()]
    lines += [""] if matrix.operation_names else []
    width = max(len(_cell_label(row.cell)) for row in matrix.cells) if matrix.cells else 10
    for row in matrix.cells:
        lines += _text_row(_cell_label(row.cell), row.verdict, _explanation(row), width)
    lines += ["", "Recording status transitions"]
    for transition_row in matrix.transitions:
        label = f"{transition_row.transition.trigger} {transition_row.transition.label}"
        lines += _text_row(label, transition_row.verdict, _explanation(transition_row), width)
    if matrix.stray_tags:
        lines += ["", "Tags that name no documented cell or transition"]
        lines += [f"  {stray.scenario.label}: @{stray.tag}: {stray.reason}" for stray in matrix.stray_tags]
    for title, entries in _record_sections(matrix):
        if entries:
            lines += ["", title]
            lines += [f"  {entry.scenario.label}: @{entry.tag}" for entry in entries]
    return "\n".join(lines) + "\n"


def _text_row(label: str, verdict: str, details: list[str], width: int) -> list[str]:
    first, *rest = details
    lines = [f"{label:<{width}}  {verdict:<11}  {first}"]
    lines += [f"{'':<{width}}  {'':<11}  {detail}" for detail in rest]
    return lines


def _markdown_escape(text: str) -> str:
    # Table cells: a pipe would end the cell, and markup characters in scenario names must stay literal.
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


_TAGS_INTRO = [
    "<!-- Generated by conformance/coverage_matrix.py: `talk-conformance matrix --format markdown`"
    " (or `python -m conformance.coverage_matrix --format markdown`). Do not edit by hand. -->",
    "",
    "Every (operation, HTTP status, error string) cell that `openapi/recording.yaml` documents and",
    "every transition of the recording status, against the scenarios tagged `@operation:`, `@status:`,",
    "`@error:` and `@transition:` in `features/`. A cell without a scenario must be explained by an",
    "entry of the deviation register (`openapi/deviations.yaml`): *unreachable* when the entry's",
    "decision is `unreachable`, *registered* when it is another decision.",
]
_RECORDS_INTRO = [
    "<!-- Generated by conformance/coverage_matrix.py from a run against the bundled reference server:"
    " `talk-conformance --report-dir out && talk-conformance matrix --results out --format markdown`."
    " Do not edit by hand. -->",
    "",
    "Every (operation, HTTP status, error string) cell that `openapi/recording.yaml` documents and",
    "every transition of the recording status, against what the scenarios of one run *asserted*: each",
    "Then step records the request it checked (operation, status, OCS statuscode, error) or the",
    "status change it observed, in `summary.json`. A cell counts as covered only when a step of the run",
    "checked it. A cell without such a check must be explained by an entry of the deviation register",
    "(`openapi/deviations.yaml`): *unreachable* when the entry's decision is `unreachable`, *registered*",
    "when it is another decision. A scenario tag (`@operation:`, `@status:`, `@error:`, `@transition:`)",
    "that none of the scenario's steps backs is an error; a check the tags do not name is a warning.",
]


def render_markdown(matrix: CoverageMatrix) -> str:
    """The matrix as the Markdown page checked in as docs/coverage.md."""
    lines = ["# Coverage matrix", ""]
    lines += _RECORDS_INTRO if matrix.from_records else _TAGS_INTRO
    lines += ["", _summary_line(matrix) + ".", ""]
    by_operation: dict[str, list[CellCoverage]] = {}
    for row in matrix.cells:
        by_operation.setdefault(row.cell.operation_id, []).append(row)
    for operation_id, rows in by_operation.items():
        heading = f"## {operation_id}: {_markdown_escape(matrix.operation_name(operation_id))}"
        lines += [heading, "", "| status | error | coverage | scenarios or register entry |"]
        lines.append("|---|---|---|---|")
        for row in rows:
            details = "<br>".join(_markdown_escape(text) for text in _explanation(row))
            error = f"`{row.cell.error}`" if row.cell.error else "–"
            lines.append(f"| {row.cell.status} | {error} | {row.verdict} | {details} |")
        lines.append("")
    lines += ["## Recording status transitions", ""]
    lines.append("States: " + ", ".join(f"{state} {name}" for state, name in STATE_NAMES.items()) + ".")
    lines += ["", "| trigger | transition | coverage | scenarios |", "|---|---|---|---|"]
    for transition_row in matrix.transitions:
        transition = transition_row.transition
        details = "<br>".join(_markdown_escape(text) for text in _explanation(transition_row))
        lines.append(f"| {transition.trigger} | {transition.label} | {transition_row.verdict} | {details} |")
    lines.append("")
    if matrix.stray_tags:
        lines += ["## Tags that name no documented cell or transition", ""]
        for stray in matrix.stray_tags:
            where, reason = _markdown_escape(stray.scenario.label), _markdown_escape(stray.reason)
            lines.append(f"* {where}: `@{stray.tag}`: {reason}")
        lines.append("")
    for title, entries in _record_sections(matrix):
        if entries:
            lines += [f"## {title}", ""]
            lines += [f"* {_markdown_escape(entry.scenario.label)}: `@{entry.tag}`" for entry in entries]
            lines.append("")
    return "\n".join(lines)


def to_json(matrix: CoverageMatrix) -> dict[str, Any]:
    """The matrix as plain data."""
    return {
        "complete": matrix.complete,
        "counts": matrix.counts(),
        "cells": [
            {
                "operation": row.cell.operation_id,
                "status": row.cell.status,
                "error": row.cell.error,
                "coverage": row.verdict,
                "scenarios": [_scenario_json(ref) for ref in row.scenarios],
                "deviations": [entry.id for entry in row.deviations],
                "explained_by": [entry.id for entry in row.explained_by],
            }
            for row in matrix.cells
        ],
        "transitions": [
            {
                "trigger": row.transition.trigger,
                "operation": row.transition.operation_id,
                "from": list(row.transition.sources),
                "to": row.transition.target,
                "coverage": row.verdict,
                "scenarios": [_scenario_json(ref) for ref in row.scenarios],
            }
            for row in matrix.transitions
        ],
        "stray_tags": [
            {"scenario": _scenario_json(stray.scenario), "tag": stray.tag, "reason": stray.reason}
            for stray in matrix.stray_tags
        ],
        "from_records": matrix.from_records,
        "tagged_but_not_asserted": [
            {"scenario": _scenario_json(entry.scenario), "tags": entry.tag}
            for entry in matrix.unasserted_tags
        ],
        "asserted_but_not_tagged": [
            {"scenario": _scenario_json(entry.scenario), "tags": entry.tag, "reason": entry.reason}
            for entry in matrix.untagged_assertions
        ],
    }


def _scenario_json(ref: ScenarioRef) -> dict[str, Any]:
    return {"feature": ref.feature, "line": ref.line, "name": ref.name, "examples_line": ref.examples_line}


RENDERERS = {
    "text": render_text,
    "markdown": render_markdown,
    "json": lambda matrix: json.dumps(to_json(matrix), indent=2) + "\n",
}


def build_parser() -> argparse.ArgumentParser:
    """Options of `talk-conformance matrix`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Show which scenario covers each documented (operation, status, error) cell and each "
        "recording-status transition: with --results, only what the run's steps asserted counts, and a tag "
        "no step backs is an error; without it, the scenarios' tags. Exit status 1 when something is "
        "neither covered nor explained, or a tag is not backed.",
    )
    parser.add_argument(
        "--format", choices=sorted(RENDERERS), default="text", help="output format (default text)"
    )
    parser.add_argument(
        "--features", type=Path, help="directory of feature files (default: the bundled ones)"
    )
    parser.add_argument(
        "--contract", type=Path, help="OpenAPI contract (default: the bundled recording.yaml)"
    )
    parser.add_argument(
        "--register", type=Path, help="deviation register (default: the bundled deviations.yaml)"
    )
    parser.add_argument(
        "--results",
        type=Path,
        metavar="DIR",
        help="a run's report directory: count only what its scenarios asserted (summary.json records)",
    )
    parser.add_argument("--output", type=Path, help="write to this file instead of standard output")
    return parser


def _load_contract_file(contract: Path | None) -> Contract:
    try:
        return load_contract(contract)
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise CoverageInputError(
            f"cannot load the contract {contract or resources.contract_path()}: {exc}"
        ) from None


def load_run_matrix(results: Path, contract: Path | None, register: Path | None) -> CoverageMatrix:
    """The matrix of what a run asserted, from its report directory; CoverageInputError if unusable."""
    if not results.is_dir():
        raise CoverageInputError(f"results directory {results} does not exist")
    return build_matrix_from_run(
        load_run(results),
        _load_contract_file(contract),
        load_register(register or resources.deviations_path()),
    )


def load_matrix(features: Path | None, contract: Path | None, register: Path | None) -> CoverageMatrix:
    """Build the matrix from these files (bundled ones where None); CoverageInputError if one is unusable."""
    features = features or resources.features_dir()
    if not features.is_dir():
        raise CoverageInputError(f"feature directory {features} does not exist")
    loaded_contract = _load_contract_file(contract)
    return build_matrix(
        loaded_contract,
        load_scenarios(features),
        load_register(register or resources.deviations_path()),
    )


def matrix_command(argv: Iterable[str]) -> int:
    """`talk-conformance matrix`: print the coverage matrix; 1 when a cell or transition is uncovered."""
    try:
        options = build_parser().parse_args(list(argv))
    except SystemExit as exit_:
        return EXIT_COVERED if exit_.code == 0 else EXIT_USAGE
    try:
        if options.results is not None:
            matrix = load_run_matrix(options.results, options.contract, options.register)
        else:
            matrix = load_matrix(options.features, options.contract, options.register)
    except CoverageInputError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    text = RENDERERS[options.format](matrix)
    if options.output is not None:
        try:
            options.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"{PROG}: cannot write {options.output}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    else:
        sys.stdout.write(text)
    if not matrix.complete:
        missing = [_cell_label(row.cell) for row in matrix.uncovered_cells]
        missing += [
            f"{row.transition.trigger} {row.transition.label}" for row in matrix.uncovered_transitions
        ]
        if missing:
            print(f"{PROG}: uncovered: {', '.join(missing)}", file=sys.stderr)
        if matrix.unasserted_tags:
            print(f"{PROG}: {len(matrix.unasserted_tags)} tag(s) tagged but not asserted", file=sys.stderr)
        return EXIT_UNCOVERED
    return EXIT_COVERED


if __name__ == "__main__":
    sys.exit(matrix_command(sys.argv[1:]))
