"""The run talk-conformance built, handed to the plugin as the very object (a pytest plugin of the run)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.outcomes import SetupError
from conformance.suite._pytest_options import SuiteOptions
from conformance.target import EmbeddedServer, PreparedRun, TargetProfile, bundled_server


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

    launched_server: EmbeddedServer | None = field(default=None, repr=False)  # the bundled one, starting up

    def launch_bundled_server(self) -> None:
        """Start the bundled server now, so that it starts up while pytest does (a run without a URL)."""
        if self.profile.url is not None or self.launched_server is not None:
            return
        server = bundled_server(self.profile, self.run_dir)
        try:
            server.launch()
        except SetupError:
            return  # the plugin's set-up starts it again and reports why it cannot, as any set-up error
        self.launched_server = server

    def take_launched_server(self) -> EmbeddedServer | None:
        """The bundled server `launch_bundled_server` started, for the plugin's set-up to use (once)."""
        server, self.launched_server = self.launched_server, None
        return server

    def take_prepared(self) -> tuple[PreparedRun, Callable[[], list[str]]] | None:
        """The preflight's set-up, for the plugin to own from now on (once); None when there is none."""
        if self.prepared is None or self.stop is None:
            return None
        taken, self.prepared, self.stop = (self.prepared, self.stop), None, None
        return taken

    def release(self) -> list[str]:
        """Undo a set-up the plugin never took (pytest stopped before any scenario); the problems."""
        server = self.take_launched_server()
        if server is not None:
            server.stop()
        taken = self.take_prepared()
        return taken[1]() if taken is not None else []


def handed_to(config: pytest.Config) -> CommandRun | None:
    """The run the command handed to this pytest run; None in a plain pytest run (and in xdist workers)."""
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, CommandRun):
            return plugin
    return None
