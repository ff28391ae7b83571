"""Convert a logging proxy's JSONL capture of a real Talk run (real-talk-22/*.jsonl) into one HAR log."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.redaction import Redactor
from conformance.traffic import _har as har
from conformance.traffic._har import RECORDING_SERVER_ACTOR
from conformance.traffic._merge import room_scenarios, suite_version

SUITE_FILES = ("talk-api.jsonl", "talk-api-disruptive.jsonl")
RECORDING_SERVER_FILE = "talk-to-recording-server.jsonl"
SIGNALING_SERVER_FILE = "talk-to-signaling-server.jsonl"
SUMMARY_FILE = "summary.json"
CONVERTER = "conformance.traffic.jsonl_import"

_ROOM_PATH = re.compile(
    r"/apps/spreed/api/v[0-9]+/(?:room|call|chat|recording)/(?P<token>[a-z0-9]{4,30})(?:/|\?|$)"
)
_ROOM_DELETION = re.compile(r"^/ocs/v2\.php/apps/spreed/api/v4/room/(?P<token>[a-z0-9]{4,30})$")
_RUN_SETUP = re.compile(r"^/ocs/v2\.php/(?:cloud/capabilities|apps/provisioning_api/)")
_BASIC_USER = re.compile(r"^Basic (?P<user>[^:]+):")


class CaptureError(Exception):
    """The capture directory cannot be converted."""


def convert(source: Path, creator_comment: str) -> dict[str, Any]:
    """The HAR document of a capture directory (the files named above; the disruptive one optional)."""
    redactor = Redactor()
    entries: list[dict[str, Any]] = []
    for name in SUITE_FILES:
        path = source / name
        if path.is_file() or name == SUITE_FILES[0]:
            rows = _rows(path)
            _attribute_scenarios(rows, _summary_names(source, name))
            entries += [_suite_entry(row, redactor, name) for row in rows]
    rooms = room_scenarios(entries)
    suite_answers = sorted(
        (row_time, item["_scenario"])
        for item in entries
        if (row_time := item["_t"]) is not None and item["_scenario"] is not None
    )
    for name, leg in (
        (RECORDING_SERVER_FILE, har.TARGET_TO_RECORDING_SERVER),
        (SIGNALING_SERVER_FILE, har.TARGET_TO_SIGNALING_SERVER),
    ):
        path = source / name
        if path.is_file():
            entries += [_inbound_entry(row, leg, rooms, suite_answers, redactor, name) for row in _rows(path)]
    for item in entries:
        item.pop("_t", None)
    document = har.log(
        entries,
        f"talk-conformance via a logging proxy, converted by {CONVERTER}",
        suite_version(),
        creator_comment,
    )
    return document


def _rows(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CaptureError(f"{path}: {exc.strerror or exc}") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            raise CaptureError(f"{path}:{number}: not a JSON object") from None
    return rows


def _summary_names(source: Path, suite_file: str) -> list[str]:
    # The disruptive run has its own summary; the main one is summary.json.
    name = SUMMARY_FILE if suite_file == SUITE_FILES[0] else "summary-disruptive.json"
    path = source / name
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [item["name"] for item in data.get("scenarios", []) if item.get("verdict") != "skipped"]


def _attribute_scenarios(rows: list[dict[str, Any]], run_order: list[str]) -> None:
    """Fix the proxy's labels (the scenario of the latest room) where they cannot be right.

    Requests between the deletion of a scenario's room and the next room belong to no scenario (run
    set-up and clean-up). Scenarios without a room (the welcome checks) ran before the first room; when
    exactly one request each is left for them, in the summary's run order, each gets its own.
    """
    current_room: str | None = None
    for row in rows:
        target = row["target"]
        if row["method"] == "POST" and target.split("?")[0].endswith("/api/v4/room"):
            current_room = "pending"
        elif current_room == "pending":
            match = _ROOM_PATH.search(target)
            current_room = match["token"] if match else current_room
        if (current_room is None or current_room == "deleted") and not _ROOM_PATH.search(target):
            row["scenario"] = None
        deletion = _ROOM_DELETION.match(target.split("?")[0])
        if row["method"] == "DELETE" and deletion and deletion["token"] == current_room:
            current_room = "deleted"
    labelled = [row["scenario"] for row in rows if row["scenario"] is not None]
    first = labelled[0] if labelled else None
    orphans = []
    for row in rows:
        if row["scenario"] is not None:
            break
        if not _RUN_SETUP.match(row["target"]):
            orphans.append(row)
    before_first = _names_before(run_order, first)
    if orphans and len(orphans) == len(before_first):
        for row, name in zip(orphans, before_first, strict=True):
            row["scenario"] = name
            row["_attributed"] = "by run order: the summary lists this scenario, which creates no room"


def _names_before(run_order: list[str], first_label: str | None) -> list[str]:
    if first_label is None:
        return []
    for index, name in enumerate(run_order):
        if name == first_label or name.split(" [")[0] == first_label.split(" [")[0]:
            return run_order[:index]
    return []


def _suite_entry(row: dict[str, Any], redactor: Redactor, source: str) -> dict[str, Any]:
    headers = [(str(name), str(value)) for name, value in row["request_headers"]]
    host = next((value for name, value in headers if name.lower() == "host"), "127.0.0.1")
    authorization = next((value for name, value in headers if name.lower() == "authorization"), "")
    user = _BASIC_USER.match(authorization)
    agent = next((value for name, value in headers if name.lower() == "user-agent"), "")
    is_recording_server = agent.startswith("Nextcloud-Talk-Recording")
    actor = RECORDING_SERVER_ACTOR if is_recording_server else (user["user"] if user else "guest")
    item = _entry(
        row, har.SUITE_TO_TARGET, f"http://{host}{row['target']}", headers, row["scenario"], redactor, source
    )
    item["_actor"] = actor
    return item


def _inbound_entry(
    row: dict[str, Any],
    leg: str,
    rooms: dict[str, str],
    suite_answers: list[tuple[float, str]],
    redactor: Redactor,
    source: str,
) -> dict[str, Any]:
    headers = [(str(name), str(value)) for name, value in row["request_headers"]]
    host = next((value for name, value in headers if name.lower() == "host"), "127.0.0.1")
    token = row.get("room") or _token_of(row["target"])
    scenario = rooms.get(token) if token else None
    if scenario is None and token is None:
        # Not about a room: it was asked while the suite waited for its next answer.
        scenario = next((name for answered, name in suite_answers if answered >= row["t"]), None)
    return _entry(row, leg, f"http://{host}{row['target']}", headers, scenario, redactor, source)


def _token_of(target: str) -> str | None:
    match = re.search(r"/api/v1/room/(?P<token>[^/?#]+)", target)
    return match["token"] if match else None


def _entry(
    row: dict[str, Any],
    leg: str,
    url: str,
    headers: list[tuple[str, str]],
    scenario: str | None,
    redactor: Redactor,
    source: str,
) -> dict[str, Any]:
    body = row["request_body"]
    exchange = har.Exchange(
        leg=leg,
        started=float(row["t"]),
        duration_ms=0,
        method=row["method"],
        url=url,
        request_headers=headers,
        request_body=body.encode("utf-8") if isinstance(body, str) else b"",
        status=int(row["status"]),
        response_headers=[(str(name), str(value)) for name, value in row["response_headers"]],
        response_body=str(row["response_body"]).encode("utf-8"),
        scenario=scenario,
        extra={"source": source},
    )
    item = har.entry(exchange, redactor)
    if not isinstance(body, str):
        item["request"]["postData"]["params"] = list(_multipart_params(body))
        item["request"]["bodySize"] = sum(part.get("bytes", 0) for part in body.get("multipart", []))
    if row.get("_attributed"):
        item["_attributed"] = row["_attributed"]
    # The proxy noted when the answer arrived, not how long it took.
    item["comment"] = "timings not recorded by the capturing proxy; startedDateTime is the time of the answer"
    item["_t"] = float(row["t"]) if leg == har.SUITE_TO_TARGET else None
    return item


def _multipart_params(body: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for part in body.get("multipart", []):
        param: dict[str, Any] = {"name": part.get("name") or ""}
        if part.get("filename") is not None:
            param.update(fileName=part["filename"], contentType=part.get("content_type") or "")
            param.update(_size=part.get("bytes"), _sha256=part.get("sha256"))
        else:
            param["value"] = part.get("text") or ""
        yield param


def write_recording(source: Path, out: Path, creator_comment: str) -> int:
    """Convert and write; return the number of entries."""
    document = convert(source, creator_comment)
    har.write(out, document)
    return len(document["log"]["entries"])


def main(argv: list[str] | None = None) -> int:
    """`python -m conformance.traffic.jsonl_import SOURCE_DIR OUT.har --comment TEXT`."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog=f"python -m {CONVERTER}", description=__doc__)
    parser.add_argument("source", type=Path, help="directory of the JSONL capture (talk-api.jsonl, ...)")
    parser.add_argument("out", type=Path, help="the HAR file to write")
    parser.add_argument("--comment", required=True, help="where the capture comes from (HAR creator comment)")
    options = parser.parse_args(argv)
    try:
        count = write_recording(options.source, options.out, options.comment)
    except CaptureError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    print(f"{parser.prog}: {count} entries written to {options.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
