"""Expectations: scenarios an implementation is known to fail, each with its reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.config import ProfileError
from conformance.yaml_documents import read_yaml_document

_ENTRY_KEYS = {"feature", "scenario", "example", "reason", "register", "observed"}
_OBSERVED_KEYS = {"status", "statuscode"}
_OPTIONAL_OBSERVED_KEYS = {"error"}
_TOP_LEVEL_KEYS = {"expectations", "implementation", "talk_release"}


class ExpectationsError(ProfileError):
    """The expectations file is unreadable or malformed."""


@dataclass(frozen=True)
class ScenarioKey:
    """How a collected scenario is identified: feature file, scenario title as written, example row id."""

    feature_path: str
    scenario: str
    example: str | None = None


@dataclass(frozen=True)
class ObservedAnswer:
    """The answer an implementation gave: HTTP status, OCS statuscode (None: no envelope), error code."""

    status: int
    statuscode: int | None
    error: str | None = None


@dataclass(frozen=True)
class Expectation:
    """One entry: the scenario (or outline rows) expected to fail, and why."""

    index: int
    feature: str
    scenario: str
    example: str | None
    reason: str
    register: str | None = None  # the deviation-register id that explains the failure
    observed: ObservedAnswer | None = None  # what the implementation answered

    def matches(self, key: ScenarioKey) -> bool:
        """Same feature file (by name or trailing path), same title, and the row when one is named."""
        path = key.feature_path.replace("\\", "/")
        same_file = path == self.feature or path.endswith("/" + self.feature)
        same_row = self.example is None or self.example == key.example
        return same_file and key.scenario == self.scenario and same_row

    def describe(self) -> str:
        """E.g. `entry 3 (store_recording.feature: An upload without a file is refused [missing])`."""
        row = f" [{self.example}]" if self.example is not None else ""
        return f"entry {self.index} ({self.feature}: {self.scenario}{row})"


@dataclass(frozen=True)
class Expectations:
    """A loaded expectations file."""

    path: Path
    entries: tuple[Expectation, ...]
    implementation: str | None = None  # in words, e.g. "Nextcloud 33.0.1 / Talk 23.0.6"
    talk_release: int | None = None  # the Talk major release the file was measured on

    def reason_for(self, key: ScenarioKey) -> str | None:
        """The reason of the first entry matching the scenario, or None when it must pass."""
        for entry in self.entries:
            if entry.matches(key):
                return entry.reason
        return None

    def matched(self, keys: Iterable[ScenarioKey]) -> set[int]:
        """Indexes of the entries that match at least one of the scenarios."""
        keys = list(keys)
        return {entry.index for entry in self.entries if any(entry.matches(key) for key in keys)}

    def unmatched_messages(self, matched: set[int]) -> list[str]:
        """One line per entry that matched no collected scenario."""
        return [
            f"expectations {self.path}: {entry.describe()} matches no scenario"
            for entry in self.entries
            if entry.index not in matched
        ]


def load_expectations(path: Path) -> Expectations:
    """Read and validate an expectations file (see docs/expectations.md)."""
    source = f"expectations {path}"
    raw = read_yaml_document(path, source, ExpectationsError)
    if not isinstance(raw, dict) or set(raw) - _TOP_LEVEL_KEYS:
        raise ExpectationsError(
            f"{source}: must be a mapping with the key 'expectations' (and implementation, talk_release)"
        )
    implementation, talk_release = raw.get("implementation"), raw.get("talk_release")
    if implementation is not None and (not isinstance(implementation, str) or not implementation.strip()):
        raise ExpectationsError(f"{source}: implementation must say in words what was measured")
    if talk_release is not None and type(talk_release) is not int:
        raise ExpectationsError(f"{source}: talk_release must be the Talk major release, e.g. 23")
    items = raw.get("expectations") or []
    if not isinstance(items, list):
        raise ExpectationsError(f"{source}: 'expectations' must be a list of entries")
    entries = tuple(_entry(item, index, source) for index, item in enumerate(items, start=1))
    seen: dict[tuple[str, str, str | None], int] = {}
    for entry in entries:
        key = (entry.feature, entry.scenario, entry.example)
        if key in seen:
            raise ExpectationsError(f"{source}: {entry.describe()} repeats entry {seen[key]}")
        seen[key] = entry.index
    return Expectations(path, entries, implementation, talk_release)


def _entry(item: Any, index: int, source: str) -> Expectation:
    where = f"{source}: entry {index}"
    if not isinstance(item, dict):
        raise ExpectationsError(f"{where} must be a mapping with feature, scenario, reason (and example)")
    unknown = sorted(str(key) for key in item if key not in _ENTRY_KEYS)
    if unknown:
        raise ExpectationsError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(_ENTRY_KEYS))}"
        )
    for key in ("feature", "scenario", "reason"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ExpectationsError(f"{where}: {key} must be a non-empty string")
    example = item.get("example")
    if example is not None and not isinstance(example, str | int):
        raise ExpectationsError(f"{where}: example must be the id of an Examples row, e.g. 'missing'")
    register = item.get("register")
    if register is not None and (not isinstance(register, str) or not register.strip()):
        raise ExpectationsError(f"{where}: register must be the id of a deviation-register entry, e.g. 'D7'")
    return Expectation(
        index=index,
        feature=item["feature"].strip(),
        scenario=item["scenario"].strip(),
        example=None if example is None else str(example),
        reason=" ".join(item["reason"].split()),
        register=None if register is None else register.strip(),
        observed=_observed(item.get("observed"), where),
    )


def _observed(value: Any, where: str) -> ObservedAnswer | None:
    if value is None:
        return None
    known = _OBSERVED_KEYS | _OPTIONAL_OBSERVED_KEYS
    valid = isinstance(value, dict) and _OBSERVED_KEYS <= set(value) <= known and type(value["status"]) is int
    valid = valid and (value["statuscode"] is None or type(value["statuscode"]) is int)
    error = value.get("error") if valid else None
    valid = valid and (error is None or isinstance(error, str) and bool(error.strip()))
    if not valid:
        shape = "{status: <HTTP status>, statuscode: <OCS statuscode or null>, error: <code, optional>}"
        raise ExpectationsError(f"{where}: observed must be {shape}")
    return ObservedAnswer(value["status"], value["statuscode"], value.get("error"))
