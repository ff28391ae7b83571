"""Scale: one recording scenario's time with few vs many existing rooms; server memory during a huge upload.

Filler rooms are created through the public API (POST /room as another user, concurrently with httpx), so the
database holds exactly what a real workload leaves: rooms, attendees and their system messages.

    python -m bench.scale [--rooms 10 10000] [--scenarios 20] [--upload-mib 1024]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.recording_target import MODERATOR, SECRET, RecordingTarget, recording_target
from bench.reference_process import REQUEST_LOG, default_config
from bench.streamed_upload import StreamedStoreBody, store_streamed
from conformance.protocol import video_webm
from conformance.target import (
    NOTIFICATIONS,
    RECORDING,
    TALK,
    chat_messages,
    delete_room,
    get_room,
    notifications_of,
)

MIB = 1024 * 1024
FILLER_OWNER = ("participant2", "123456")
TOKEN_IN_PATH = re.compile(r"/[a-z0-9]{8}(?=/|$)")

# The statements a scenario runs most; a SCAN in their plan grows with the data, a SEARCH stays flat.
HOT_QUERIES = {
    "room by token": ("SELECT * FROM rooms WHERE token = ?", ("x",)),
    "attendee of user": (
        "SELECT * FROM attendees WHERE room_id = ? AND actor_type = 'users' AND actor_id = ?",
        (1, "x"),
    ),
    "sessions in call": ("SELECT COUNT(*) AS n FROM sessions WHERE room_id = ? AND in_call > 0", (1,)),
    "sessions of attendee": ("SELECT session_id, in_call FROM sessions WHERE attendee_id = ?", (1,)),
    "latest chat": (
        "SELECT * FROM messages WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        (1, 10**9, 200),
    ),
    "notifications of user": ("SELECT * FROM notifications WHERE user_id = ? ORDER BY id DESC", ("x",)),
    "delete room messages": ("DELETE FROM messages WHERE room_id = ?", (1,)),
}


def scenario(target: RecordingTarget) -> float:
    """One full recording lifecycle through the API, notifications cleared at the end; its wall time in s."""
    began = time.perf_counter()
    session = target.moderator
    token = target.room_in_call("scale-scenario")
    callbacks = target.callbacks()
    session.ocs("POST", f"{RECORDING}/{token}", data={"status": 1})
    assert callbacks.started(token, 1, "users", MODERATOR.user_id).status_code == 200
    session.ocs("DELETE", f"{RECORDING}/{token}")
    assert callbacks.stopped(token, "users", MODERATOR.user_id).status_code == 200
    assert callbacks.store(token, MODERATOR.user_id, video_webm()).status_code == 200
    notifications_of(session)
    chat_messages(session, token)
    get_room(session, token)
    delete_room(session, token)
    # Clean up like a real user would, so only the room count differs between the measurements.
    session.ocs("DELETE", NOTIFICATIONS)
    return time.perf_counter() - began


def add_rooms(url: str, count: int, clients: int = 8) -> float:
    """Create `count` rooms as another user through the API; return the seconds it took."""
    headers = {"OCS-APIRequest": "true", "Accept": "application/json"}
    created = 0

    async def create() -> None:
        nonlocal created
        limits = httpx.Limits(max_connections=clients)
        async with httpx.AsyncClient(limits=limits, auth=FILLER_OWNER, headers=headers, timeout=60) as client:

            async def worker() -> None:
                nonlocal created
                while created < count:
                    created += 1
                    response = await client.post(
                        f"{url}{TALK}/room",
                        data={"roomType": 2, "roomName": f"filler {created}"},
                    )
                    response.raise_for_status()

            await asyncio.gather(*(worker() for _ in range(clients)))

    began = time.perf_counter()
    asyncio.run(create())
    return time.perf_counter() - began


def query_plans(database: Path) -> dict[str, str]:
    """SQLite's plan for each hot query: 'SEARCH … USING INDEX' stays flat, 'SCAN' grows with the table."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        plans = {}
        for name, (sql, args) in HOT_QUERIES.items():
            rows = connection.execute(f"EXPLAIN QUERY PLAN {sql}", args).fetchall()
            plans[name] = "; ".join(row[-1] for row in rows)
        return plans
    finally:
        connection.close()


def timed_scenarios(target: RecordingTarget, count: int) -> tuple[float, dict[str, float]]:
    """Median seconds of `count` scenarios (one warm-up first), and the server's median ms per endpoint."""
    scenario(target)
    log_start = len(target.server.log_lines())
    median = statistics.median(scenario(target) for _ in range(count))
    return median, server_time_by_endpoint(target.server.log_lines()[log_start:])


def server_time_by_endpoint(lines: list[str]) -> dict[str, float]:
    """Median server-side milliseconds per METHOD + path shape, from the request log lines."""
    times: dict[str, list[float]] = {}
    for line in lines:
        if REQUEST_LOG not in line:
            continue
        fields = line.split(REQUEST_LOG, 1)[1].split()
        if len(fields) < 5 or not fields[-1].endswith("ms"):
            continue
        shape = TOKEN_IN_PATH.sub("/{token}", fields[2])
        times.setdefault(f"{fields[1]} {shape}", []).append(float(fields[-1][:-2]))
    return {endpoint: round(statistics.median(values), 2) for endpoint, values in sorted(times.items())}


def big_upload(target: RecordingTarget, size: int) -> dict[str, float]:
    """Stream `size` bytes to store; peak RSS of the server before and after, and the rate."""
    token = target.room_in_call("scale-upload")
    before = target.server.peak_rss_bytes()
    body = StreamedStoreBody(MODERATOR.user_id, size, filename="Recording big.webm")
    began = time.perf_counter()
    response = store_streamed(target.url, SECRET, token, body)
    elapsed = time.perf_counter() - began
    after = target.server.peak_rss_bytes()
    stored = (
        target.server.data_dir
        / "files"
        / MODERATOR.user_id
        / "Talk"
        / "Recording"
        / token
        / "Recording big.webm"
    )
    size_on_disk = stored.stat().st_size if stored.exists() else 0
    stored.unlink(missing_ok=True)
    return {
        "upload_status": response.status_code,
        "upload_mib": size // MIB,
        "stored_bytes_match": int(size_on_disk == size),
        "upload_mib_per_s": round(size / MIB / elapsed, 1),
        "server_peak_rss_before_mib": round(before / MIB, 1),
        "server_peak_rss_after_mib": round(after / MIB, 1),
    }


def run(
    work_dir: Path, room_counts: tuple[int, ...] = (10, 10_000), scenarios: int = 20, upload_mib: int = 1024
):
    """Scenario time at each room count (rooms added cumulatively), then the large upload."""
    config = default_config(upload_max_bytes=upload_mib * MIB + MIB)
    figures: dict[str, object] = {}
    endpoints: dict[int, dict[str, float]] = {}
    with recording_target(work_dir, config=config) as target:
        existing = 0
        for count in sorted(room_counts):
            if count > existing:
                seconds = add_rooms(target.url, count - existing)
                figures[f"created_{count - existing}_rooms_s"] = round(seconds, 1)
                existing = count
            median, by_endpoint = timed_scenarios(target, scenarios)
            figures[f"scenario_ms_at_{count}_rooms"] = round(median * 1000, 1)
            endpoints[count] = by_endpoint
        low, high = min(room_counts), max(room_counts)
        figures["slowdown"] = round(
            figures[f"scenario_ms_at_{high}_rooms"] / figures[f"scenario_ms_at_{low}_rooms"], 2
        )
        figures["server_ms_by_endpoint"] = endpoints
        figures["query_plans"] = query_plans(target.server.data_dir / "talk.sqlite3")
        if upload_mib:
            figures.update(big_upload(target, upload_mib * MIB))
    return figures


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rooms", type=int, nargs="+", default=[10, 10_000], help="room counts (default 10 10000)"
    )
    parser.add_argument(
        "--scenarios", type=int, default=20, help="timed scenarios per room count (default 20)"
    )
    parser.add_argument(
        "--upload-mib", type=int, default=1024, help="size of the streamed upload; 0 skips it"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as work_dir:
        figures = run(Path(work_dir), tuple(args.rooms), args.scenarios, args.upload_mib)
    plans = figures.pop("query_plans")
    endpoints = figures.pop("server_ms_by_endpoint")
    for key, value in figures.items():
        print(f"{key}: {value}")
    counts = sorted(endpoints)
    print("server median ms per request: " + " vs ".join(f"{count} rooms" for count in counts))
    for endpoint in endpoints[counts[0]]:
        print(f"  {endpoint}: " + " vs ".join(str(endpoints[count].get(endpoint)) for count in counts))
    for name, plan in plans.items():
        print(f"plan {name}: {plan}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
