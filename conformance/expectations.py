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


class ExpectationsError(ProfileError):
    """The expectations file is unreadable or malformed."""


@dataclass(frozen=True)
class ScenarioKey:
    """How a collected scenario is identified: feature file, scenario title as written, example row id."""

    feature_path: str
    scenario: str
    example: str | None = None


@dataclass(frozen=True)
class Expectation:
    """One entry: the scenario (or outline rows) expected to fail, and why."""

    index: int
    feature: str
    scenario: str
    example: str | None
    reason: str
    register: str | None = None  # the deviation-register id that explains the failure
    observed: tuple[int, int] | None = None  # what the implementation answered: (HTTP status, OCS statuscode)

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
    if not isinstance(raw, dict) or set(raw) - {"expectations"}:
        raise ExpectationsError(f"{source}: must be a mapping with the single key 'expectations'")
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
    return Expectations(path, entries)


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


def _observed(value: Any, where: str) -> tuple[int, int] | None:
    if value is None:
        return None
    valid = isinstance(value, dict) and set(value) == _OBSERVED_KEYS
    if not valid or not all(type(value[key]) is int for key in _OBSERVED_KEYS):
        shape = "{status: <HTTP status>, statuscode: <OCS statuscode>}"
        raise ExpectationsError(f"{where}: observed must be {shape}")
    return value["status"], value["statuscode"]
