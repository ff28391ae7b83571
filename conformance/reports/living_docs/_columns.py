"""The columns of the compatibility table: the documented run, the reference server, each real recording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.reports._summary import SUMMARY_FILE
from conformance.reports.living_docs._compatibility import Column
from conformance.reports.living_docs._expected_failures import ExpectationsFile, file_for, file_of_release
from conformance.reports.living_docs._real_recordings import RealRecording
from conformance.reports.living_docs._results import RunResults
from conformance.traffic import RecordedVerdict, verdicts_of_recording


def run_column(results: RunResults, directory: Path, expectations: list[ExpectationsFile]) -> Column:
    """The documented run: "Reference server" when it ran against the bundled one, else its target."""
    summary = _summary(directory)
    profile = summary.get("profile") if isinstance(summary.get("profile"), dict) else {}
    named = summary.get("expectations") if isinstance(summary.get("expectations"), str) else None
    if is_reference_run(summary):
        detail = f"this run, against the bundled reference server at {results.target_url or 'loopback'}"
        return Column(
            "run", "Reference server", "Reference", detail, results, file_for(expectations, named, None)
        )
    release = _talk_version(summary)
    heading = f"This run (Talk {release})" if release else "This run"
    detail = f"this run, against {results.target_url or profile.get('url') or 'an unknown target'}"
    major = int(release.split(".")[0]) if release and release.split(".")[0].isdigit() else None
    return Column("run", heading, "This run", detail, results, file_for(expectations, named, major))


def reference_column(results: RunResults, directory: Path) -> Column:
    """A run against the reference server given beside a run against another target."""
    return Column(
        "reference",
        "Reference server",
        "Reference",
        f"a run against the reference server ({directory})",
        results,
    )


def recording_column(recording: RealRecording, expectations: list[ExpectationsFile]) -> Column | None:
    """A shipped real recording, when it carries its verdicts.

    With the fingerprints of its run (scenarios.json) the recording is judged for the current scenarios and
    held against the shipped expectations file of its release; without them its summary's verdicts show.
    """
    results = recording.results()
    if results is None:
        return None
    judged = _judged(recording)
    if judged is not None:
        chosen = file_of_release(expectations, recording.major)
    else:
        summary = _summary(recording.directory)
        named = summary.get("expectations") if isinstance(summary.get("expectations"), str) else None
        chosen = file_for(expectations, named, recording.major)
    return Column(
        recording.name,
        recording.label,
        f"Talk {recording.major}" if recording.major else recording.name,
        f"a real {recording.implementation}, recorded in conformance/recordings/{recording.name}",
        results,
        chosen,
        judged,
    )


def _judged(recording: RealRecording) -> dict[str, RecordedVerdict] | None:
    if not (recording.directory / "scenarios.json").is_file():
        return None
    try:
        return verdicts_of_recording(recording.name, recording.directory.parent)
    except (OSError, ValueError, KeyError):
        # A recording whose files do not agree (a summary scenario without a fingerprint) keeps its summary.
        return None


def is_reference_run(summary: dict[str, Any]) -> bool:
    """Whether a summary is of a run against the reference server (it advertises `talk_reference`)."""
    return summary.get("target_is_reference") is True


def _talk_version(summary: dict[str, Any]) -> str | None:
    """The target's spreed.version as the run's summary gives it; None for an unversioned target."""
    value = summary.get("target_talk_version")
    return value if isinstance(value, str) and value else None


def _summary(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads((directory / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
