"""The shipped real recordings: name, the Talk release they come from, their verdicts and traffic."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.reports._summary import SUMMARY_FILE
from conformance.reports.living_docs._results import ResultsError, RunResults, load_results
from conformance.traffic import RECORDINGS_DIR, TRAFFIC_FILE, HarError, read_har

_CAPABILITIES = re.compile(r"/ocs/v[12]\.php/cloud/capabilities$")
_VERSION = re.compile(r"^(\d+)(?:\.\d+)*$")


@dataclass(frozen=True)
class RealRecording:
    """One shipped recording of a real server: where it lives and what it ran."""

    name: str
    directory: Path
    talk_version: str  # e.g. "23.0.6"; "unknown" when the recording does not say
    nextcloud_version: str

    @property
    def major(self) -> int | None:
        """The Talk major release (23 for "23.0.6"), None when unknown."""
        match = _VERSION.match(self.talk_version)
        return int(match.group(1)) if match else None

    @property
    def label(self) -> str:
        """How a column or an example names it: "Talk 23.0.6"."""
        return f"Talk {self.talk_version}"

    @property
    def implementation(self) -> str:
        """The server in words: "Nextcloud 33.0.1 / Talk 23.0.6"."""
        return f"Nextcloud {self.nextcloud_version} / Talk {self.talk_version}"

    @property
    def traffic_path(self) -> Path:
        """The recording's HAR."""
        return self.directory / TRAFFIC_FILE

    def results(self) -> RunResults | None:
        """The verdicts of the recorded run (summary.json), None when the recording carries none."""
        if not (self.directory / SUMMARY_FILE).is_file():
            return None
        try:
            return load_results(self.directory)
        except ResultsError:
            return None

    def capture_artefacts(self) -> dict[str, str]:
        """Scenarios whose recorded answer is the capture set-up's, not the server's: name -> why."""
        path = self.directory / "capture_artefacts.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, UnicodeDecodeError, ValueError):
            return {}
        scenarios = data.get("scenarios") if isinstance(data, dict) else None
        if not isinstance(scenarios, dict):
            return {}
        # Keyed "file.feature::name" in the file; the traffic names the scenario alone.
        return {str(key).split("::", 1)[-1]: str(why) for key, why in scenarios.items()}

    def entries(self) -> list[dict[str, Any]]:
        """The HAR entries of the recording."""
        return _entries(self.traffic_path)


@functools.cache
def _entries(path: Path) -> list[dict[str, Any]]:
    # Read once per process: the site reads the same HAR for examples, columns and the changes page.
    return read_har(path)["log"]["entries"]


def shipped_recordings(directory: Path | None = None) -> list[RealRecording]:
    """Every shipped recording with a HAR, oldest Talk release first."""
    root = directory or RECORDINGS_DIR
    found = []
    for traffic in sorted(root.glob(f"*/{TRAFFIC_FILE}")):
        talk, nextcloud = release_of(traffic.parent)
        found.append(RealRecording(traffic.parent.name, traffic.parent, talk, nextcloud))
    return sorted(found, key=lambda item: (_version_key(item.talk_version), item.name))


def release_of(directory: Path) -> tuple[str, str]:
    """(Talk version, Nextcloud version) of a recording, from the capabilities answer it recorded."""
    try:
        entries = _entries(directory / TRAFFIC_FILE)
    except HarError:
        return "unknown", "unknown"
    for entry in entries:
        request = entry.get("request") or {}
        path = str(request.get("url", "")).split("?")[0]
        if request.get("method") != "GET" or not _CAPABILITIES.search(path):
            continue
        found = _versions_in(((entry.get("response") or {}).get("content") or {}).get("text"))
        if found is not None:
            return found
    return "unknown", "unknown"


def _versions_in(text: Any) -> tuple[str, str] | None:
    if not isinstance(text, str):
        return None
    try:
        data = json.loads(text)["ocs"]["data"]
        talk = data["capabilities"]["spreed"]["version"]
    except (ValueError, KeyError, TypeError):
        return None
    nextcloud = (data.get("version") or {}).get("string") if isinstance(data.get("version"), dict) else None
    return str(talk), str(nextcloud or "unknown")


def _version_key(version: str) -> tuple[int, ...]:
    if not _VERSION.match(version):
        return (10**6,)
    return tuple(int(part) for part in version.split("."))
