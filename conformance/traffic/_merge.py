"""Merge the part files of a run (controller and xdist workers) into one HAR log."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from conformance.traffic import _har as har
from conformance.traffic._capture import traffic_part_files

CREATOR = "talk-conformance"
_ROOM_CREATION = re.compile(r"/ocs/v2\.php/apps/spreed/api/v4/room(?:\?|$)")
# Where the stand-ins see the room: /api/v1/room/{token} (recording server and signaling server alike).
_INBOUND_ROOM = re.compile(r"/api/v1/room/(?P<token>[^/?#]+)")
# A welcome check: the suite's (…/recording/welcome/0, …/signaling/welcome/0) and the one Talk sends on.
_WELCOME = re.compile(r"/welcome(?:[/?#]|$)")


def suite_version() -> str:
    """The installed version of the suite."""
    try:
        return metadata.version("talk-recording-conformance")
    except metadata.PackageNotFoundError:
        return "unknown"


def room_scenarios(entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Room token → the scenario that created the room, from the suite's room creations."""
    rooms: dict[str, str] = {}
    for item in entries:
        request, scenario = item.get("request", {}), item.get("_scenario")
        if scenario is None or request.get("method") != "POST":
            continue
        if not _ROOM_CREATION.search(str(request.get("url", ""))):
            continue
        token = _created_token(item.get("response", {}).get("content", {}).get("text"))
        if token:
            rooms[token] = scenario
    return rooms


def _created_token(text: Any) -> str | None:
    try:
        token = json.loads(text)["ocs"]["data"]["token"]
    except (TypeError, ValueError, KeyError):
        return None
    return token if isinstance(token, str) else None


def label_by_room(entries: list[dict[str, Any]]) -> None:
    """Give what the target sent its scenario: the one whose room it concerns, else the one it answered."""
    rooms = room_scenarios(entries)
    windows = [
        (
            _seconds(item["startedDateTime"]),
            _seconds(item["startedDateTime"]) + item.get("time", 0) / 1000,
            item["_scenario"],
            _WELCOME.search(str(item.get("request", {}).get("url", ""))) is not None,
        )
        for item in entries
        if item.get("_leg") == har.SUITE_TO_TARGET and item.get("_scenario") is not None
    ]
    for item in entries:
        if item.get("_scenario") is not None or item.get("_leg") == har.SUITE_TO_TARGET:
            continue
        match = _INBOUND_ROOM.search(str(item.get("request", {}).get("url", "")))
        if match and match["token"] in rooms:
            item["_scenario"] = rooms[match["token"]]
            continue
        # Not about a room (the welcome check): it happened while the suite waited for an answer. Of several
        # requests in flight (xdist workers, a conversation made ahead), a welcome check asked of the target
        # is the one that caused it; else the one sent last.
        started = _seconds(item["startedDateTime"])
        during = [(begin, name, asks) for begin, end, name, asks in windows if begin <= started <= end]
        if _WELCOME.search(str(item.get("request", {}).get("url", ""))):
            during = [window for window in during if window[2]] or during
        if during:
            item["_scenario"] = max(during)[1]


def _seconds(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def read_parts(run_dir: Path) -> list[dict[str, Any]]:
    """Every entry of every part file of the run (a torn last line of a killed worker is skipped)."""
    entries = []
    for path in traffic_part_files(run_dir):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
    return entries


def write_run_har(run_dir: Path, out: Path, target_url: str | None) -> int:
    """Merge the run's parts into `out`; return the number of entries."""
    entries = read_parts(run_dir)
    label_by_room(entries)
    comment = f"talk-conformance run against {target_url or 'the bundled reference server'}"
    har.write(out, har.log(entries, CREATOR, suite_version(), comment))
    return len(entries)
