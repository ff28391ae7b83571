"""Races: many concurrent starts on one room, and concurrent started/failed/stopped callbacks.

python -m bench.races [--starts 100] [--rounds 10] [--copies 2]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.check_result import CheckResult, print_results
from bench.recording_target import MODERATOR, RecordingTarget, recording_target
from conformance.target import RECORDING, failed_message, started_message, stopped_message

STARTING_VIDEO, VIDEO, NONE, FAILED = 3, 1, 0, 5


def _concurrently(count: int, action) -> list:
    """Run action(i) in `count` threads released together by a barrier; return the results in order."""
    barrier = threading.Barrier(count)

    def released(index: int):
        barrier.wait(timeout=30)
        return action(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def concurrent_starts(target: RecordingTarget, starts: int) -> CheckResult:
    """`starts` moderators' start requests at once on one room: exactly one 200, the rest 400 recording."""
    token = target.room_in_call("race-starts")
    url = f"{target.url}{RECORDING}/{token}"
    headers = {"OCS-APIRequest": "true", "Accept": "application/json"}

    def start(_index: int) -> tuple[int, str]:
        # One connection per thread: the race is between requests, not queued on a shared pool.
        response = requests.post(
            url, data={"status": 1}, headers=headers, auth=(MODERATOR.user_id, MODERATOR.password), timeout=60
        )
        error = ""
        if response.status_code != 200:
            try:
                error = response.json()["ocs"]["data"]["error"]
            except (ValueError, KeyError, TypeError):
                error = response.text[:80]
        return response.status_code, error

    answers = collections.Counter(_concurrently(starts, start))
    start_requests = len(target.control().received(token))
    state = target.recording_state(token)
    ok_count = answers[(200, "")]
    passed = (
        ok_count == 1
        and answers[(400, "recording")] == starts - 1
        and start_requests == 1
        and state == STARTING_VIDEO
    )
    detail = (
        f"{starts} concurrent starts answered {dict(answers)}; "
        f"the recording server got {start_requests} start request(s); state {state}"
    )
    return CheckResult("concurrent starts", passed, detail, {"starts": starts, "ok": ok_count})


def _apply(state: int, kind: str) -> tuple[int, int]:
    """The model (talk-behaviour §3, T2–T4): new state and answer status of one callback."""
    if kind == "started":
        return (VIDEO, 200) if state in (3, 4) else (state, 404)
    if kind == "stopped":
        return NONE, 200
    return FAILED, 200


def allowed_outcomes(kinds: list[str], initial: int = STARTING_VIDEO) -> set[tuple[int, tuple[int, ...]]]:
    """Every (final state, answers in request order) some serial order of the callbacks produces."""
    outcomes = set()
    for order in set(itertools.permutations(range(len(kinds)))):
        state, answers = initial, [0] * len(kinds)
        for index in order:
            state, answers[index] = _apply(state, kinds[index])
        outcomes.add((state, tuple(answers)))
    return outcomes


def concurrent_callbacks(target: RecordingTarget, rounds: int, copies: int) -> CheckResult:
    """started/failed/stopped at once on a starting room: the end state and answers match a serial order."""
    kinds = ["started", "failed", "stopped"] * copies
    client = target.callbacks()
    bad = []
    finals = collections.Counter()
    for round_index in range(rounds):
        # A refused `started` is a brute-force attempt; after ten of them everything would answer 429.
        target.reset_brute_force()
        token = target.room_in_call(f"race-callbacks-{round_index}")
        target.moderator.ocs("POST", f"{RECORDING}/{token}", data={"status": 1})
        messages = {
            "started": started_message(token, VIDEO, "users", MODERATOR.user_id),
            "failed": failed_message(token),
            "stopped": stopped_message(token, "users", MODERATOR.user_id),
        }
        answers = tuple(
            _concurrently(len(kinds), lambda i: client.callback(messages[kinds[i]]).status_code)  # noqa: B023
        )
        final = target.recording_state(token)
        finals[final] += 1
        if (final, answers) not in allowed_outcomes(kinds):
            bad.append(f"round {round_index}: answers {answers} for {kinds}, final state {final}")
    detail = f"{rounds} rounds of {len(kinds)} concurrent callbacks; final states {dict(finals)}" + (
        f"; no serial order explains: {bad[:3]}" if bad else "; every round matches a serial order"
    )
    return CheckResult("concurrent callbacks", not bad, detail, {"rounds": rounds, "unexplained": len(bad)})


def run(work_dir: Path, starts: int = 100, rounds: int = 10, copies: int = 2) -> list[CheckResult]:
    """Both race checks against one fresh reference server."""
    with recording_target(work_dir) as target:
        results = [concurrent_starts(target, starts), concurrent_callbacks(target, rounds, copies)]
        errors = target.server.unhandled_errors()
        results.append(
            CheckResult("no unhandled errors", not errors, f"{len(errors)} last-resort error log line(s)")
        )
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=100, help="concurrent start requests (default 100)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of concurrent callbacks (default 10)")
    parser.add_argument("--copies", type=int, default=2, help="copies of each callback per round (default 2)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-races-") as work_dir:
        return print_results(run(Path(work_dir), args.starts, args.rounds, args.copies))


if __name__ == "__main__":
    raise SystemExit(main())
