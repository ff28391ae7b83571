"""The shipped expectations files, read tolerantly: per scenario, the register entry and the pinned answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance import resources
from conformance.protocol import Answer

EXPECTATIONS_DIR = resources.expectations_dir()
_REGISTER_ID = re.compile(r"^\s*([A-Z]+\d+)\b")


@dataclass(frozen=True)
class PinnedFailure:
    """One entry of an expectations file: which scenario fails, why (register id), and how it answered."""

    feature_file: str
    scenario: str
    example: str | None
    register: str | None
    answer: Answer | None = None  # the answer the file pins; None when it pins none

    @property
    def observed(self) -> str | None:
        """The pinned answer as the page shows it: "HTTP 500 / OCS 996", "HTTP 400 / no OCS envelope"."""
        return self.answer.describe() if self.answer is not None else None

    def matches(self, feature_file: str, name: str) -> bool:
        """Whether this entry is about that scenario (or outline row) of that feature file."""
        if Path(feature_file).name != Path(self.feature_file).name:
            return False
        if name == self.scenario:
            return True
        if not name.startswith(self.scenario + " ["):
            return False
        return self.example is None or self.example in name


@dataclass(frozen=True)
class ExpectationsFile:
    """One shipped file: its name, the Talk release it is for, its entries."""

    name: str
    talk_release: int | None
    entries: tuple[PinnedFailure, ...]

    def find(self, feature_file: str, name: str) -> PinnedFailure | None:
        """The entry about this scenario or row, if any."""
        return next((entry for entry in self.entries if entry.matches(feature_file, name)), None)


def register_id(text: str) -> str | None:
    """The register id a reason starts with ("D7: upstream answers 500" -> "D7")."""
    match = _REGISTER_ID.match(text or "")
    return match.group(1) if match else None


def load_expectations(directory: Path | None = None) -> list[ExpectationsFile]:
    """Every shipped expectations file that can be read; unreadable ones are left out, not fatal."""
    files = []
    for path in sorted((directory or EXPECTATIONS_DIR).glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if not isinstance(data, dict):
            continue
        release = data.get("talk_release")
        files.append(
            ExpectationsFile(
                path.name,
                release if isinstance(release, int) else None,
                tuple(_entries(data.get("expectations"))),
            )
        )
    return files


def file_of_release(files: list[ExpectationsFile], major: int | None) -> ExpectationsFile | None:
    """The shipped file for a Talk release (its `talk_release`), whatever file a recorded run used."""
    return next((item for item in files if major is not None and item.talk_release == major), None)


def file_for(files: list[ExpectationsFile], named: str | None, major: int | None) -> ExpectationsFile | None:
    """The file a run used (by the name its summary gives), else the one for its Talk release."""
    if named:
        by_name = next((item for item in files if item.name == Path(named).name), None)
        if by_name is not None:
            return by_name
    return file_of_release(files, major)


def _entries(raw: Any) -> list[PinnedFailure]:
    entries = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not item.get("feature") or not item.get("scenario"):
            continue
        example = item.get("example")
        register = item.get("register") or register_id(str(item.get("reason", "")))
        entries.append(
            PinnedFailure(
                str(item["feature"]),
                str(item["scenario"]),
                str(example) if example is not None else None,
                str(register) if register else None,
                _answer(item.get("observed")),
            )
        )
    return entries


def _answer(observed: Any) -> Answer | None:
    # Read tolerantly: an entry whose observed answer is malformed pins none (the run's loader says why).
    if not isinstance(observed, dict) or type(observed.get("status")) is not int:
        return None
    return Answer.from_dict(observed)
