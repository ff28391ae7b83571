"""The run directory the controller and its xdist workers share: lock, finished scenarios, collections."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from conformance.suite._scenario_lock import FinishedScenarios
from conformance.target import ScenarioKey

# "I collected scenarios of the suite": touched by any process in collection (announce_need), read by the
# controller (need_announced) to decide whether to start servers at all.
NEEDED_PREFIX = "needed-"
# The scenarios a process collected (their expectation keys): written by each process (record_collected),
# read and merged by the controller at the end (collected_keys) against the run's expectations, which
# `auto` only knows once the preflight has read the target's release.
COLLECTED_PREFIX = "collected-scenarios-"


@dataclasses.dataclass(frozen=True)
class RunDirectory:
    """One run's shared directory (created when first used)."""

    path: Path

    @property
    def lock_path(self) -> Path:
        """The run-wide scenario lock file."""
        return self.path / "scenario.lock"

    @property
    def finished(self) -> FinishedScenarios:
        """The run's finished scenarios, shared by the xdist workers."""
        return FinishedScenarios(self.path / "finished-scenarios.txt")

    def announce_need(self) -> None:
        """Record that this process collected scenarios of the suite."""
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / f"{NEEDED_PREFIX}{os.getpid()}").touch()

    def need_announced(self) -> bool:
        """Whether any process collected scenarios of the suite."""
        return self.path.is_dir() and any(self.path.glob(NEEDED_PREFIX + "*"))

    def record_collected(self, keys: list[ScenarioKey]) -> None:
        """Tell the controller which scenarios this process collected (for the stale-entry check)."""
        self.path.mkdir(parents=True, exist_ok=True)
        path = self.path / f"{COLLECTED_PREFIX}{os.getpid()}.json"
        path.write_text(json.dumps([dataclasses.astuple(key) for key in keys]), encoding="utf-8")

    def collected_keys(self) -> list[ScenarioKey] | None:
        """Every scenario any process of the run collected; None when no process noted its collection."""
        reports = sorted(self.path.glob(COLLECTED_PREFIX + "*.json")) if self.path.is_dir() else []
        if not reports:
            return None
        return [ScenarioKey(*key) for path in reports for key in json.loads(path.read_text(encoding="utf-8"))]
