"""Every key a Then step reads from the target's answers is one a shipped real recording carries.

The keys come from the steps themselves: a run against the reference server with
conformance/protocol/_key_reads.py recording every key read during a Then step (no list to keep by hand).
They are held against the union of the
key paths in the answers of the shipped real recordings (conformance/recordings/*/traffic.har), request by
request. A step that reads a key no real Talk sent fails here, named with the key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from conformance.protocol import key_reads_step_finished, key_reads_step_started, track_key_reads
from conformance.protocol._key_reads import KEY_READS_ENV
from conformance.traffic import read_har, shipped_recording_names, shipped_traffic_path
from conformance.traffic._har import SUITE_TO_TARGET
from conformance.traffic._normalise import observations

Known = dict[str, set[str]]  # request ("GET /…/room/{token}") -> key paths its recorded answers carry


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a decoded JSON document, list elements as `[]`."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found |= {path} | key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= key_paths(item, f"{prefix}[]")
    return found


def recorded_keys(entries: Iterable[Mapping[str, Any]]) -> Known:
    """The key paths of every JSON answer the suite got from the target, per request."""
    entries = list(entries)
    known: Known = {}
    for entry, seen in zip(entries, observations(entries), strict=True):
        if seen.leg != SUITE_TO_TARGET:
            continue
        try:
            document = json.loads(entry.get("response", {}).get("content", {}).get("text") or "")
        except ValueError:
            continue
        known.setdefault(seen.request.split("?", 1)[0], set()).update(key_paths(document))
    return known


def shipped_keys() -> Known:
    """The union over every shipped real recording."""
    known: Known = {}
    for name in shipped_recording_names():
        for request, keys in recorded_keys(read_har(shipped_traffic_path(name))["log"]["entries"]).items():
            known.setdefault(request, set()).update(keys)
    return known


def unknown_reads(reads: Iterable[Mapping[str, str]], known: Known) -> list[str]:
    """One line per key a Then step read that no recording carries for that request."""
    problems = []
    for read in reads:
        if read["key"] not in known.get(read["request"], set()):
            problems.append(
                f"the Then step {read['step']!r} ({read['function']}) reads {read['key']} of "
                f"{read['request']}, which no shipped real recording carries"
            )
    return sorted(set(problems))


@pytest.fixture(scope="module")
def reads(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    """The keys the Then steps read in one whole run against the reference server."""
    tmp_path = tmp_path_factory.mktemp("key-reads")
    env = {name: value for name, value in os.environ.items() if not name.startswith("TALK_CONFORMANCE_")}
    env[KEY_READS_ENV] = str(tmp_path / "reads.jsonl")
    run = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "--report-dir", "report"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    lines = Path(env[KEY_READS_ENV]).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_every_key_a_then_step_reads_is_in_a_real_recording(reads):
    assert shipped_recording_names(), "no shipped real recording"
    functions = {read["function"] for read in reads}
    # The run did record: the steps that judge the room, the chat and the notifications are among them.
    assert {"recording_status_is", "chat_shows_system_message", "notified_recording_available"} <= functions
    problems = unknown_reads(reads, shipped_keys())
    assert not problems, "\n".join(problems)


NOTIFIED = 'the moderator is notified that the recording "video webm" is available'


def test_a_step_reading_mimetype_from_the_notification_is_named_with_the_key(tmp_path, monkeypatch):
    # The assertion this suite once had: real Talk's `file` parameter has no mimetype.
    monkeypatch.setenv(KEY_READS_ENV, str(tmp_path / "reads.jsonl"))
    notification = {
        "object_type": "recording",
        "messageRichParameters": {"file": {"type": "file", "id": "7", "name": "a.webm", "path": "/a.webm"}},
    }
    url = "http://127.0.0.1:8080/ocs/v2.php/apps/notifications/api/v2/notifications"
    answer = track_key_reads({"ocs": {"meta": {}, "data": [notification]}}, "GET", url)
    key_reads_step_started("then", NOTIFIED, "notified_recording_available")
    try:
        for found in answer["ocs"]["data"]:
            file = found["messageRichParameters"]["file"]
            assert file.get("mimetype") is None
    finally:
        key_reads_step_finished()
    read = [json.loads(line) for line in (tmp_path / "reads.jsonl").read_text().splitlines()]
    problems = unknown_reads(read, shipped_keys())
    assert problems == [
        f"the Then step {NOTIFIED!r} (notified_recording_available) reads "
        "ocs.data[].messageRichParameters.file.mimetype of "
        "GET /ocs/v2.php/apps/notifications/api/v2/notifications, which no shipped real recording carries"
    ]


def test_reads_outside_a_then_step_are_not_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_READS_ENV, str(tmp_path / "reads.jsonl"))
    answer = track_key_reads({"ocs": {"data": {"invented": 1}}}, "GET", "http://h/ocs/v2.php/x")
    key_reads_step_started("given", "a conversation", "conversation")
    assert answer["ocs"]["data"]["invented"] == 1
    key_reads_step_finished()
    assert not (tmp_path / "reads.jsonl").exists()


def test_without_the_variable_answers_are_left_as_they_are(monkeypatch):
    monkeypatch.delenv(KEY_READS_ENV, raising=False)
    answer = {"ocs": {"data": []}}
    assert track_key_reads(answer, "GET", "http://h/x") is answer
