"""Fuzz findings a target is expected to produce, matched to the deviation register as scenarios are."""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import yaml

from conformance.fuzz._operations import operation_kind
from conformance.fuzz._replay import FailureRecord
from conformance.outcomes import FAILED_DIFFERENTLY
from conformance.protocol import FUZZ_OPERATION_NAMES
from conformance.target import Expectation, expected_side, load_expectations

EXPECTED, DOCUMENTED, UNEXPLAINED = "expected", "documented", "unexplained"

_REGISTER_ID = re.compile(r"\b([DXUAR][0-9]+)\b")
_STATUS_PATTERNS = (
    re.compile(r"\bgot (\d{3})\b"),  # the model: "expected HTTP 200, got 429"
    re.compile(r"\bHTTP (\d{3})\b"),
    re.compile(r"Received: (\d{3})\b"),
    re.compile(r"Response violates schema: (\d{3}) was expected"),
)
_ERROR_PATTERN = re.compile(r"with error '([^']*)'")
_MODEL_OPERATION = re.compile(r"\b(start|stop|store|backend|dismiss|share_chat|welcome) failed in room\b")


@dataclass(frozen=True)
class Finding:
    """What a failure record says about the answer: which operation, which status, which error string."""

    operation: str | None  # operationId, None when the request addressed no recording operation
    method: str | None
    status: int | None
    error: str | None


@dataclass(frozen=True)
class Verdict:
    """How a finding is judged: expected (with the register id), documented, or unexplained."""

    kind: str
    entry: str | None = None


@dataclass(frozen=True)
class RegisterEntry:
    """What the fuzz matcher needs of a register entry."""

    id: str
    decision: str
    cells: frozenset[tuple[str, int, str | None]]
    findings: tuple[Mapping[str, Any], ...] = ()  # patterns of accepted_differences entries


def load_register(path: Path) -> list[RegisterEntry]:
    """The register's entries (deviations with cells, accepted differences with finding patterns)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = []
    for item in data.get("deviations") or []:
        cells = frozenset(
            (str(cell["operation"]), int(cell["status"]), cell.get("error"))
            for cell in item.get("cells") or []
        )
        entries.append(RegisterEntry(str(item["id"]), str(item.get("decision", "")), cells))
    for item in data.get("accepted_differences") or []:
        if item.get("findings"):
            entries.append(RegisterEntry(str(item["id"]), "accepted", frozenset(), tuple(item["findings"])))
    return entries


def cited_ids(expectations_path: Path) -> set[str]:
    """Register ids an expectations file gives as reasons (each reason starts with its ids)."""
    return set(pins(expectations_path))


def pins(expectations_path: Path) -> dict[str, tuple[Expectation, ...]]:
    """The entries of an expectations file by the register ids they cite (their `observed` pins answers)."""
    expectations = load_expectations(expectations_path, pinned=False)
    cited: dict[str, tuple[Expectation, ...]] = {}
    for entry in expectations.entries:
        reason_ids = _REGISTER_ID.findall(entry.reason.split(":", 1)[0])
        for register_id in _REGISTER_ID.findall(entry.register or "") or reason_ids:
            cited[register_id] = (*cited.get(register_id, ()), entry)
    return cited


def failed_differently(finding: Finding, entries: Sequence[Expectation], file_name: str) -> str | None:
    """None when an entry citing the finding's register entry pins its answer (or pins none); else why not.

    Fuzz records carry the HTTP status and the error code, not the OCS statuscode: those two are compared.
    """
    actual_pair = (finding.status, finding.error)
    pinned = [(entry.observed.status, entry.observed.error) if entry.observed else None for entry in entries]
    if not entries or None in pinned or actual_pair in pinned:
        return None
    actual = "no HTTP status" if finding.status is None else f"HTTP {finding.status}"
    actual += f" / {finding.error}" if finding.error else ""
    expected = " or ".join(expected_side(entry, file_name) for entry in entries)
    return f"{FAILED_DIFFERENTLY}: {expected}; actual: {actual}"


_Said = TypeVar("_Said")


def _status_of(record: FailureRecord) -> int | None:
    return record.status if record.status is not None else _status_in(record.message)


def _said_of_request(
    record: FailureRecord, siblings: Sequence[FailureRecord], read: Callable[[FailureRecord], _Said | None]
) -> _Said | None:
    """What `read` finds in the record, else in the first other record of the same request (same curl)."""
    found = read(record)
    if found is None and record.curl:
        found = next(
            (said for other in siblings if other.curl == record.curl and (said := read(other)) is not None),
            None,
        )
    return found


def finding_of(record: FailureRecord, siblings: Sequence[FailureRecord] = ()) -> Finding:
    """Operation, status and error of a record; what its message lacks, another record of its request says."""
    method, path = _request_of(record)
    kind = operation_kind(method, path) if method and path else None
    model = _MODEL_OPERATION.search(record.message)
    if kind is None and model:
        kind = model[1]
    status = _said_of_request(record, siblings, _status_of)
    error = _said_of_request(record, siblings, lambda one: one.error or _error_in(one.message))
    return Finding(FUZZ_OPERATION_NAMES.get(kind) if kind else None, method, status, error)


def judge(finding: Finding, register: Iterable[RegisterEntry], cited: set[str]) -> Verdict:
    """Expected when a register entry the target's expectations cite (or an accepted difference) explains it;
    documented when an entry whose decision the contract follows explains it; otherwise unexplained."""
    documented: str | None = None
    for entry in register:
        if not _explains(entry, finding):
            continue
        if entry.decision == "accepted" or entry.id in cited:
            return Verdict(EXPECTED, entry.id)
        if documented is None and entry.decision in ("follow-upstream", "document-extra"):
            documented = entry.id
    return Verdict(DOCUMENTED, documented) if documented else Verdict(UNEXPLAINED)


def _explains(entry: RegisterEntry, finding: Finding) -> bool:
    if entry.findings:
        return any(_pattern_matches(pattern, finding) for pattern in entry.findings)
    if finding.operation is None or finding.status is None:
        return False
    return (finding.operation, finding.status, finding.error) in entry.cells


def _pattern_matches(pattern: Mapping[str, Any], finding: Finding) -> bool:
    if "status" in pattern and pattern["status"] != finding.status:
        return False
    if "method" in pattern and not fnmatch.fnmatchcase(finding.method or "", str(pattern["method"])):
        return False
    return "operation" not in pattern or fnmatch.fnmatchcase(
        finding.operation or "", str(pattern["operation"])
    )


def _status_in(message: str) -> int | None:
    for pattern in _STATUS_PATTERNS:
        match = pattern.search(message)
        if match:
            return int(match[1])
    return None


def _error_in(message: str) -> str | None:
    match = _ERROR_PATTERN.search(message)
    return match[1] if match else None


def _request_of(record: FailureRecord) -> tuple[str | None, str | None]:
    # The curl command names the method and URL of the very request; the label only a template.
    try:
        words = shlex.split(record.curl.splitlines()[0]) if record.curl else []
    except ValueError:
        words = []
    if "-X" in words and words.index("-X") + 1 < len(words) and words[-1].startswith("http"):
        return words[words.index("-X") + 1], urlsplit(words[-1]).path
    label = record.operation.split(" ", 1)
    if len(label) == 2 and label[1].startswith("/"):
        return label[0], label[1]
    return None, None
