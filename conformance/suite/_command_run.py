"""The run talk-conformance built, handed to the plugin as the very object (a pytest plugin of the run)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.suite._pytest_options import SuiteOptions
from conformance.target import PreparedRun, TargetProfile


@dataclass(eq=False)  # a plugin: pluggy keeps it in sets, by identity
class CommandRun:
    """The profile (loaded once), the options, the run directory and the set-up the preflight made, if any.

    Passed to `pytest.main(..., plugins=[run])`; the plugin takes it from the plugin manager.
    """

    profile: TargetProfile
    options: SuiteOptions
    run_dir: Path
    prepared: PreparedRun | None = None  # None: the plugin sets the run up itself (the bundled server)
    stop: Callable[[], list[str]] | None = field(default=None, repr=False)

    def take_prepared(self) -> tuple[PreparedRun, Callable[[], list[str]]] | None:
        """The preflight's set-up, for the plugin to own from now on (once); None when there is none."""
        if self.prepared is None or self.stop is None:
            return None
        taken, self.prepared, self.stop = (self.prepared, self.stop), None, None
        return taken

    def release(self) -> list[str]:
        """Undo a set-up the plugin never took (pytest stopped before any scenario); the problems."""
        taken = self.take_prepared()
        return taken[1]() if taken is not None else []


def handed_to(config: pytest.Config) -> CommandRun | None:
    """The run the command handed to this pytest run; None in a plain pytest run (and in xdist workers)."""
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, CommandRun):
            return plugin
    return None
