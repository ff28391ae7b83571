"""What changed between two real Talk releases: the project's comparison of their recordings, in words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from conformance.protocol import Contract
from conformance.reports.living_docs._expected_failures import ExpectationsFile
from conformance.reports.living_docs._real_recordings import RealRecording
from conformance.traffic import Difference, compare

# Kinds of difference that together make "the answer" of a request (compare.KINDS names them).
_ANSWER_KINDS = ("status", "statuscode", "error")
_MAX_ENTRIES = 2
_COMMON = {"the", "and", "for", "with", "without", "are", "not", "recording", "recordings", "refused"}


@dataclass(frozen=True)
class RegisterWords:
    """A register entry as the changes page quotes it."""

    id: str
    title: str
    text: str  # what upstream does, in the register's words
    releases: str  # the releases the entry holds for, as the register gives them ("" when it does not)


@dataclass
class ChangedAnswer:
    """One answer that changed: the request, both releases' answers, and the scenarios that saw it."""

    request: str  # "METHOD /full/path" with the template's {token}
    older: str  # "HTTP 500 / OCS 996"
    newer: str
    scenarios: list[str] = field(default_factory=list)
    other_kinds: list[str] = field(default_factory=list)  # envelope, system-messages, ... in words
    register: list[RegisterWords] = field(default_factory=list)


@dataclass
class ReleaseChanges:
    """The changes page of one pair of releases."""

    older: RealRecording
    newer: RealRecording
    changes: list[ChangedAnswer]
    compared: int
    not_compared: dict[str, str]
    artefacts: dict[str, str] = field(default_factory=dict)  # scenario -> why its difference is the capture's

    @property
    def slug(self) -> str:
        """The page's file name stem, e.g. changes-22-to-23."""
        return f"changes-{self.older.major}-to-{self.newer.major}"

    @property
    def title(self) -> str:
        """E.g. "What changed from Talk 22 to Talk 23"."""
        return f"What changed from Talk {self.older.major} to Talk {self.newer.major}"


def release_pairs(recordings: list[RealRecording]) -> list[tuple[RealRecording, RealRecording]]:
    """Each release next to the one before it (the recordings are sorted oldest first)."""
    known = [item for item in recordings if item.major is not None]
    return [(old, new) for old, new in zip(known, known[1:], strict=False) if old.major != new.major]


def release_changes(
    older: RealRecording,
    newer: RealRecording,
    contract: Contract,
    register: list[dict[str, Any]],
    expectations: list[ExpectationsFile],
) -> ReleaseChanges:
    """Compare the two recordings as `talk-conformance compare` does, and put each change into words."""
    result = compare(older.entries(), newer.entries(), older.label, newer.label)
    grouped: dict[tuple[str, int, str], list[Difference]] = {}
    for item in result.differences:
        grouped.setdefault((item.scenario, item.step, item.request), []).append(item)
    artefacts = {**older.capture_artefacts(), **newer.capture_artefacts()}
    changes: dict[tuple[str, str, str], ChangedAnswer] = {}
    for (scenario, _, request), items in grouped.items():
        if scenario in artefacts:
            continue
        operation = _operation(contract, request)
        by_kind = {item.kind: item for item in items}
        full = _full_request(contract, request, operation)
        older_answer, newer_answer = _answer(by_kind, "left"), _answer(by_kind, "right")
        change = changes.get((full, older_answer, newer_answer))
        if change is None:
            change = ChangedAnswer(full, older_answer, newer_answer)
            change.other_kinds = [
                f"{item.kind}: {_shown(item.left)} → {_shown(item.right)}"
                for item in items
                if item.kind not in _ANSWER_KINDS
            ]
            changes[(full, older_answer, newer_answer)] = change
        if scenario not in change.scenarios:
            change.scenarios.append(scenario)
            for words in _register_words(scenario, operation, by_kind, register, expectations):
                if words.id not in {known.id for known in change.register}:
                    change.register.append(words)
    seen = [name for name in artefacts if any(name == item.scenario for item in result.differences)]
    return ReleaseChanges(
        older,
        newer,
        list(changes.values()),
        len(result.compared),
        dict(result.not_recorded),
        {name: artefacts[name] for name in seen},
    )


def _shown(value: str) -> str:
    # The comparison writes "-" for a side that has none of this kind (no envelope, no message).
    return "none" if value in ("-", "") else value


def _operation(contract: Contract, request: str) -> str | None:
    method, _, path = request.partition(" ")
    found = contract.operation_for(method, path.split("?")[0])
    return found.operation_id if found else None


def _full_request(contract: Contract, request: str, operation: str | None) -> str:
    if operation is None:
        return request
    found = contract.operation(operation)
    return f"{found.method} {contract.prefix}{found.path}"


def _answer(by_kind: dict[str, Difference], side: str) -> str:
    """One side's answer from the kinds that differ; a kind that does not differ is left out."""
    parts = []
    for kind, word in (("status", "HTTP"), ("statuscode", "OCS"), ("error", "error")):
        if kind in by_kind:
            value = getattr(by_kind[kind], side)
            if value not in ("-", "", None):
                parts.append(f"{word} {value}")
            elif word != "error":  # "no error" says nothing a reader needs
                parts.append("no OCS envelope" if word == "OCS" else f"no {word}")
    return " / ".join(parts) or "same status, different body"


def _register_words(
    scenario: str,
    operation: str | None,
    by_kind: dict[str, Difference],
    register: list[dict[str, Any]],
    expectations: list[ExpectationsFile],
) -> list[RegisterWords]:
    # The entries the expectations files name for this scenario; without one, the entry whose cells name
    # either release's answer and whose title is most about the scenario.
    ids: list[str] = []
    title = scenario.split(" [")[0]
    for file in expectations:
        for entry in file.entries:
            if entry.register and entry.scenario in (scenario, title) and entry.register not in ids:
                ids.append(entry.register)
    answers = {(operation, *_cell(by_kind, side)) for side in ("left", "right")}
    # An entry whose title shares words with the scenario ("MP4") is about it; then the most specific.
    scenario_words = _words_of(scenario)
    matching = sorted(
        (entry for entry in register if operation is not None and _names_any(entry, answers)),
        key=lambda entry: (
            -len(scenario_words & _words_of(str(entry.get("title", "")))),
            len(entry.get("cells") or []),
        ),
    )
    if not ids:  # the expectations files say which entry explains the scenario; else the best match
        ids = [str(entry.get("id")) for entry in matching[:1]]
    by_id = {str(entry.get("id")): entry for entry in register}
    return [_words(by_id[entry_id]) for entry_id in ids[:_MAX_ENTRIES] if entry_id in by_id]


def _words_of(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9]+", text.lower()) if len(word) > 2} - _COMMON


def _names_any(entry: dict[str, Any], answers: set[tuple[Any, ...]]) -> bool:
    cells = [cell for cell in entry.get("cells") or [] if isinstance(cell, dict)]
    return any((cell.get("operation"), cell.get("status"), cell.get("error")) in answers for cell in cells)


def _cell(by_kind: dict[str, Difference], side: str) -> tuple[int | None, str | None]:
    status = by_kind.get("status")
    error = by_kind.get("error")
    status_value = int(getattr(status, side)) if status and str(getattr(status, side)).isdigit() else None
    error_value = getattr(error, side) if error else None
    return status_value, None if error_value in (None, "-", "") else error_value


def _words(entry: dict[str, Any]) -> RegisterWords:
    return RegisterWords(
        str(entry.get("id")),
        str(entry.get("title", "")),
        str(entry.get("upstream_does") or entry.get("why") or ""),
        release_range(entry),
    )


def release_range(entry: dict[str, Any]) -> str:
    """The Talk releases a register entry holds for, in words, from whichever spelling the register uses."""
    parts = []
    for key, value in entry.items():
        if "release" not in key and "talk" not in key.replace("_expected", ""):
            continue
        if isinstance(value, dict):
            parts.append(", ".join(f"{name} {item}" for name, item in value.items()))
        elif isinstance(value, list):
            parts.append(", ".join(str(item) for item in value))
        elif value is not None and not isinstance(value, bool):
            parts.append(f"{key.replace('_', ' ')} {value}")
    return "; ".join(parts)
