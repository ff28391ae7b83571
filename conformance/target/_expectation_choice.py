"""Which expectations file a run uses: the one given, none, or (`auto`) the shipped one for the target."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance import resources
from conformance.target._expectations import load_expectations
from conformance.target._target_release import TargetRelease

AUTO = "auto"
NONE = "none"
SHIPPED_DIR = resources.expectations_dir()


@dataclass(frozen=True)
class ExpectationChoice:
    """The file the run uses (None: none, the strict run) and the one line the preflight prints about it."""

    path: Path | None
    line: str


def shipped_files(directory: Path | None = None) -> dict[int, Path]:
    """The shipped expectation files by the Talk release they are for (files without talk_release: none)."""
    found: dict[int, Path] = {}
    for path in sorted((directory or SHIPPED_DIR).glob("*.yaml")):
        release = load_expectations(path, pinned=False).talk_release
        if release is not None:
            found.setdefault(release, path)
    return found


def choose(
    given: Path | None, auto: bool, release: TargetRelease, directory: Path | None = None
) -> ExpectationChoice:
    """The file for the run and its line: `expectations: nextcloud-33.yaml (the target is Talk 23.0.6)`."""
    target = release.describe()
    if release.is_reference:
        target = f"the reference server modelling Talk {release.reference_models}"
    if not auto:
        if given is None:
            return ExpectationChoice(None, f"expectations: none (the target is {target})")
        return ExpectationChoice(given, f"expectations: {given.name} (as given; the target is {target})")
    if release.is_reference:
        # The reference implementation must pass everything: no file excuses it.
        return ExpectationChoice(None, f"expectations: none (the target is {target})")
    path = shipped_files(directory).get(release.major)
    if path is None:
        return ExpectationChoice(None, f"expectations: none (no shipped file for {target})")
    return ExpectationChoice(path, f"expectations: {path.name} (the target is {target})")
