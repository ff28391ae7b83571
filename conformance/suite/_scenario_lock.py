"""The run-wide scenario lock: scenarios share it, one that changes the target's global state holds it alone.

With the run's list of finished scenarios: a @disruptive one starts only after all others, xdist included.

A file lock, so that it holds across xdist workers. A scenario tagged @exclusive may take it shared first and
alone only from the step that changes global state (disabling recording, say): its room set-up then runs
beside the other scenarios, and only the part that could disturb them runs alone.
"""

from __future__ import annotations

import fcntl
import re
import time
from pathlib import Path
from typing import IO

from conformance.outcomes import SetupError

# Steps that change the target's global state, registered by the step library (`steps_need_it_alone`).
_ALONE_STEPS: list[re.Pattern[str]] = []


def steps_need_it_alone(*patterns: str) -> None:
    """Register step texts (regular expressions) from which a scenario must hold the lock alone."""
    _ALONE_STEPS.extend(re.compile(pattern) for pattern in patterns)


def first_alone_step(steps: list[tuple[str, str]] | None) -> int | None:
    """Index of the first step that needs the lock alone, None if there is none (or the steps are unknown)."""
    for index, (_, text) in enumerate(steps or ()):
        if any(pattern.fullmatch(text) for pattern in _ALONE_STEPS):
            return index
    return None


class ScenarioLock:
    """One scenario's hold on the lock file: shared, alone, or shared until `alone` is called."""

    def __init__(self, lock_path: Path, scenario: str) -> None:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        self.scenario = scenario
        self._turnstile_path = lock_path.with_name(lock_path.name + ".turnstile")
        self._lock_path = lock_path
        self._turnstile: IO[bytes] | None = None
        self._lock: IO[bytes] | None = None
        self.may_go_alone = False
        self.is_alone = False

    def acquire(self, alone: bool, may_go_alone: bool = False) -> None:
        """Take the lock alone or shared; `may_go_alone`: a later `alone()` call is expected."""
        self._turnstile = open(self._turnstile_path, "a+b")  # noqa: SIM115 - held until release()
        self._lock = open(self._lock_path, "a+b")  # noqa: SIM115 - held until release()
        self.may_go_alone = may_go_alone
        self._take(fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        self.is_alone = alone

    def alone(self) -> None:
        """From now on hold the lock alone (waits for the scenarios that share it to end)."""
        if self.is_alone:
            return
        if not self.may_go_alone or self._lock is None:
            raise SetupError(
                f"scenario {self.scenario!r} changes the target's global state: it must be tagged @exclusive"
            )
        # Let go first: two scenarios upgrading at once would otherwise each wait for the other's share.
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._take(fcntl.LOCK_EX)
        self.is_alone = True

    def _take(self, mode: int) -> None:
        assert self._turnstile is not None and self._lock is not None
        # The turnstile keeps a scenario waiting to be alone from being starved by a stream of shared ones.
        fcntl.flock(self._turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(self._lock, mode)
        finally:
            fcntl.flock(self._turnstile, fcntl.LOCK_UN)

    def release(self) -> None:
        """Let go of the lock."""
        for handle in (self._lock, self._turnstile):
            if handle is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
        self._lock = self._turnstile = None
        self.is_alone = False


class FinishedScenarios:
    """Which scenarios of the run have finished, in every xdist worker: a file, one node id a line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, nodeid: str) -> None:
        """Note a finished scenario (one short append: atomic next to the other workers' appends)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as ledger:
            ledger.write(nodeid + "\n")

    def read(self) -> set[str]:
        """Every scenario noted so far."""
        try:
            return set(self.path.read_text(encoding="utf-8").splitlines())
        except FileNotFoundError:
            return set()

    def wait_for(self, nodeids: set[str], stall: float, poll: float = 0.05) -> set[str]:
        """Wait until all these finished; give up after `stall` s without progress. Return the unfinished."""
        missing = nodeids - self.read()
        last_progress = time.monotonic()
        while missing and time.monotonic() - last_progress < stall:
            time.sleep(poll)
            still = missing - self.read()
            if len(still) < len(missing):
                last_progress = time.monotonic()
            missing = still
        return missing
