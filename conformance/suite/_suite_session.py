"""One process's share of a run of the suite: the objects each hook module works with, on the config."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from conformance.redaction import Redactor
from conformance.suite._pytest_options import SuiteOptions
from conformance.suite._run_directory import RunDirectory

if TYPE_CHECKING:
    from conformance.suite._suite_reports import SuiteReports
    from conformance.suite._suite_run import ProfileSource, SuiteRun


@dataclass
class SuiteSession:
    """What one pytest process of a run holds; each part has one job."""

    options: SuiteOptions
    directory: RunDirectory
    redactor: Redactor
    profiles: ProfileSource
    run: SuiteRun
    reports: SuiteReports
    is_worker: bool
    not_disruptive: set[str] = field(default_factory=set)  # the scenarios a @disruptive one waits for

    @property
    def is_controller(self) -> bool:
        """The process that starts the run and writes the reports (the only one without xdist)."""
        return not self.is_worker


_SESSION_KEY = pytest.StashKey[SuiteSession]()


def keep(config: pytest.Config, session: SuiteSession) -> None:
    """Attach the process's session to its pytest config."""
    config.stash[_SESSION_KEY] = session


def suite_of(config: pytest.Config) -> SuiteSession:
    """The process's session (KeyError before pytest_configure)."""
    return config.stash[_SESSION_KEY]


def suite_or_none(config: pytest.Config) -> SuiteSession | None:
    """The process's session, or None when the plugin never configured."""
    return config.stash.get(_SESSION_KEY, None)
