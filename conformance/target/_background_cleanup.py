"""Cleanup requests off the scenario's critical path: a room is deleted while the next scenario runs.

Against a slow target every request costs its latency; deleting a scenario's room in the background saves one
round trip per scenario. Problems are collected and reported at the end of the run (process by process).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

PROBLEMS_PREFIX = "cleanup-problems-"  # written by each process's drain, read by the xdist controller
DRAIN_TIMEOUT_SECONDS = 300.0


class _Janitor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pending: list[tuple[str, Future[None]]] = []

    def submit(self, what: str, action: Callable[[], None]) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cleanup")
            self._pending.append((what, self._executor.submit(action)))

    def drain(self, timeout: float) -> list[str]:
        with self._lock:
            pending, self._pending = self._pending, []
            executor, self._executor = self._executor, None
        done, not_done = wait([future for _, future in pending], timeout=timeout)
        problems = []
        for what, future in pending:
            if future in not_done:
                problems.append(f"{what}: not finished within {timeout:g} s")
            elif future.exception() is not None:
                problems.append(f"{what}: {future.exception()}")
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        return problems


_JANITOR = _Janitor()


def submit_background_cleanup(what: str, action: Callable[[], None]) -> None:
    """Run a cleanup action in the background; `drain_background_cleanups` reports it if it fails."""
    _JANITOR.submit(what, action)


def drain_background_cleanups(timeout: float = DRAIN_TIMEOUT_SECONDS) -> list[str]:
    """Wait for every submitted cleanup; return the problems ("what: why")."""
    return _JANITOR.drain(timeout)


def hand_over_cleanup_problems(run_dir: Path, problems: list[str]) -> None:
    """An xdist worker's problems, for the controller's summary."""
    if problems:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / f"{PROBLEMS_PREFIX}{os.getpid()}.json").write_text(json.dumps(problems), encoding="utf-8")


def handed_over_cleanup_problems(run_dir: Path) -> list[str]:
    """Every worker's problems."""
    problems: list[str] = []
    for path in sorted(run_dir.glob(PROBLEMS_PREFIX + "*.json")) if run_dir.is_dir() else []:
        problems += json.loads(path.read_text(encoding="utf-8"))
    return problems
