"""The real recordings shipped inside the package: conformance/recordings/<name>/traffic.har."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance import resources
from conformance.traffic.scenario_fingerprints import current_fingerprints, load_recorded, traffic_aliases

RECORDINGS_DIR = resources.recordings_dir()
TRAFFIC_FILE = "traffic.har"
METADATA_FILE = "recording.json"  # implementation, talk_release, suite_commit, recorded, note


def shipped_recording_names() -> list[str]:
    """Names of the shipped recordings (e.g. nextcloud-32)."""
    if not RECORDINGS_DIR.is_dir():
        return []
    return sorted(path.parent.name for path in RECORDINGS_DIR.glob(f"*/{TRAFFIC_FILE}"))


def shipped_traffic_path(name: str) -> Path:
    """The HAR of a shipped recording; LookupError naming the known ones."""
    path = RECORDINGS_DIR / name / TRAFFIC_FILE
    if "/" in name or name.startswith(".") or not path.is_file():
        known = ", ".join(shipped_recording_names()) or "none"
        raise LookupError(f"no shipped recording named {name!r} (shipped: {known})")
    return path


def directory(name: str) -> Path:
    """The directory of a shipped recording (its HAR must exist)."""
    return shipped_traffic_path(name).parent


def shipped_recording_metadata(name: str) -> dict[str, Any]:
    """What a shipped recording is a recording of (recording.json; empty when it has none)."""
    path = directory(name) / METADATA_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def renamed_scenarios(name: str) -> dict[str, str]:
    """Current scenarios (HAR names) repeating a recorded one's requests under another name, and that one."""
    fingerprints = directory(name) / "scenarios.json"
    if not fingerprints.is_file():
        return {}
    return traffic_aliases(load_recorded(fingerprints), current_fingerprints())
