"""Expectations: scenarios an implementation is known to fail, each with its reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.protocol import Answer
from conformance.target._profile import ProfileError
from conformance.yaml_documents import read_yaml_document, refuse_unknown_keys

_TOP_KEYS = {"expectations", "implementation", "talk_release"}
_ENTRY_KEYS = {"feature", "scenario", "example", "reason", "register", "observed"}
_OBSERVED_KEYS = {"status", "statuscode", "error"}
_OBSERVED_SHAPE = "{status: <HTTP status>, statuscode: <OCS statuscode or null>, error: <code, optional>}"


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
    observed: Answer | None = None  # the answer the failing Then step judged on the implementation

    def matches(self, key: ScenarioKey) -> bool:
        """Same feature file (by name or trailing path), same title, and the row when one is named."""
        same_row = self.example is None or self.example == key.example
        return self.names_feature(key) and key.scenario == self.scenario and same_row

    def names_feature(self, key: ScenarioKey) -> bool:
        """Whether the entry is about the scenario's feature file (by name or trailing path)."""
        path = key.feature_path.replace("\\", "/")
        return path == self.feature or path.endswith("/" + self.feature)

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
    talk_release: int | None = None  # the Talk major `expectations: auto` chooses this file for

    def entry_for(self, key: ScenarioKey) -> Expectation | None:
        """The entry for the scenario (one naming its row beats one for the whole outline), or None."""
        matching = [entry for entry in self.entries if entry.matches(key)]
        matching.sort(key=lambda entry: entry.example is None)  # stable: file order otherwise
        return matching[0] if matching else None

    def reason_for(self, key: ScenarioKey) -> str | None:
        """The reason of the entry for the scenario, or None when it must pass."""
        entry = self.entry_for(key)
        return entry.reason if entry is not None else None

    def matched(self, keys: Iterable[ScenarioKey]) -> set[int]:
        """Indexes of the entries that match at least one of the scenarios."""
        keys = list(keys)
        return {entry.index for entry in self.entries if any(entry.matches(key) for key in keys)}

    def unmatched_messages(self, matched: set[int], within: Iterable[ScenarioKey] | None = None) -> list[str]:
        """A line per entry that matched no collected scenario (with `within`: of a collected feature)."""
        keys = list(within) if within is not None else None
        return [
            f"expectations {self.path}: {entry.describe()} matches no scenario"
            for entry in self.entries
            if entry.index not in matched and (keys is None or any(entry.names_feature(key) for key in keys))
        ]


def load_expectations(path: Path, pinned: bool = True) -> Expectations:
    """Read and validate an expectations file (see docs/expectations.md).

    pinned: every entry must name its `observed` answer (the main suite); the recording-server suite's
    scenarios judge no Talk answer, so its file may leave it out.
    """
    source = f"expectations {path}"
    raw = read_yaml_document(path, source, ExpectationsError)
    if not isinstance(raw, dict) or "expectations" not in raw or set(raw) - _TOP_KEYS:
        raise ExpectationsError(
            f"{source}: must be a mapping with the key 'expectations' (and optionally implementation,"
            " talk_release)"
        )
    items = raw.get("expectations") or []
    if not isinstance(items, list):
        raise ExpectationsError(f"{source}: 'expectations' must be a list of entries")
    implementation = raw.get("implementation")
    if implementation is not None and (not isinstance(implementation, str) or not implementation.strip()):
        raise ExpectationsError(
            f"{source}: implementation must be words, e.g. 'Nextcloud 33.0.1 / Talk 23.0.6'"
        )
    release = raw.get("talk_release")
    if release is not None and (type(release) is not int or release <= 0):
        raise ExpectationsError(f"{source}: talk_release must be a Talk major release number, e.g. 23")
    entries = tuple(_entry(item, index, source) for index, item in enumerate(items, start=1))
    seen: dict[tuple[str, str, str | None], int] = {}
    for entry in entries:
        key = (entry.feature, entry.scenario, entry.example)
        if key in seen:
            raise ExpectationsError(f"{source}: {entry.describe()} repeats entry {seen[key]}")
        seen[key] = entry.index
    if pinned:
        for entry in entries:
            if entry.observed is None:
                raise ExpectationsError(
                    f"{source}: {entry.describe()} has no observed answer; add observed: {_OBSERVED_SHAPE}"
                )
    return Expectations(path, entries, implementation.strip() if implementation else None, release)


def _entry(item: Any, index: int, source: str) -> Expectation:
    where = f"{source}: entry {index}"
    if not isinstance(item, dict):
        raise ExpectationsError(f"{where} must be a mapping with feature, scenario, reason (and example)")
    refuse_unknown_keys(item, _ENTRY_KEYS, where, ExpectationsError)
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


def _observed(value: Any, where: str) -> Answer | None:
    if value is None:
        return None
    valid = isinstance(value, dict) and {"status", "statuscode"} <= set(value) <= _OBSERVED_KEYS
    if valid:
        status, statuscode, error = value["status"], value["statuscode"], value.get("error")
        valid = (
            type(status) is int
            and 100 <= status <= 599
            and (statuscode is None or type(statuscode) is int)
            and ("error" not in value or (isinstance(error, str) and error.strip() != ""))
        )
    if not valid:
        raise ExpectationsError(
            f"{where}: observed must be {_OBSERVED_SHAPE} (statuscode null: the answer has no OCS envelope)"
        )
    return Answer(value["status"], value["statuscode"], value.get("error"))
