"""xdist: the controller starts the run once and hands its workers what they need to rebuild it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from conformance import _bdd_compat
from conformance.outcomes import SetupError, Unsupported
from conformance.suite._pytest_options import SuiteOptions
from conformance.target import RunContext, TargetProfile

# workerinput keys, written by the controller (pytest_configure_node), read by each worker when it configures.
RUN_DIR_KEY = "talk_conformance_run_dir"
PROFILE_KEY = "talk_conformance_profile"  # the profile the controller loaded (or was handed); None: unusable
OPTIONS_KEY = "talk_conformance_options"
# The started run (or why it could not start), 0600: written once by the controller (publish_run),
# read by every worker before its first scenario (read_run).
CONTEXT_FILE = "context.json"
# How long a worker waits for CONTEXT_FILE before it reports a setup error.
CONTEXT_WAIT_SECONDS = 120.0
# pytest-bdd's scenario data of a report: added by a worker (pytest_report_to_serializable), restored by
# the controller (pytest_report_from_serializable) for cucumber.json.
_REPORT_CONTEXT_KEY = "talk_conformance_bdd_context"


def worker_input(config: pytest.Config) -> dict[str, Any] | None:
    """What the controller handed this worker; None in the controller or a single process."""
    return getattr(config, "workerinput", None)


def hand_to_worker(
    workerinput: dict[str, Any], run_dir: Path, profile: TargetProfile | None, options: SuiteOptions
) -> None:
    """Controller: what a worker rebuilds its side of the run from (plain data, secrets included)."""
    workerinput[RUN_DIR_KEY] = str(run_dir)
    workerinput[PROFILE_KEY] = profile.to_dict() if profile is not None else None
    workerinput[OPTIONS_KEY] = options.to_dict()


def handed_profile(workerinput: dict[str, Any]) -> TargetProfile | None:
    """Worker: the controller's profile; None when it had none usable."""
    data = workerinput.get(PROFILE_KEY)
    return TargetProfile.from_dict(data) if data is not None else None


def handed_options(workerinput: dict[str, Any]) -> SuiteOptions | None:
    """Worker: the controller's options (None from a controller that handed none)."""
    data = workerinput.get(OPTIONS_KEY)
    return SuiteOptions.from_dict(data) if data is not None else None


def publish_run(run_dir: Path, context: RunContext | None, failure: BaseException | None) -> None:
    """Controller: the started run, or why it could not start, for every worker (readable by us only)."""
    if context is not None:
        payload: dict[str, Any] = {"context": context.to_dict()}
    else:
        kind = "unsupported" if isinstance(failure, Unsupported) else "error"
        payload = {"failure": kind, "message": str(failure)}
    path = run_dir / CONTEXT_FILE
    partial = path.with_suffix(".partial")
    # The file holds secrets for the workers: readable by this user only.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle)
    partial.replace(path)


def read_run(run_dir: Path) -> RunContext:
    """Worker: wait for the controller's run; its failure is raised here, for every scenario."""
    path = run_dir / CONTEXT_FILE
    deadline = time.monotonic() + CONTEXT_WAIT_SECONDS
    while not path.exists():
        if time.monotonic() > deadline:
            raise SetupError(f"the controller process did not publish the run context ({path})")
        time.sleep(0.1)
    payload = json.loads(path.read_text(encoding="utf-8"))
    if "failure" in payload:
        failure = Unsupported if payload["failure"] == "unsupported" else SetupError
        raise failure(payload["message"])
    return RunContext.from_dict(payload["context"])


# pytest-bdd keeps the scenario of a report in a registry keyed by the report object, which xdist
# never ships to the controller; without this, --cucumberjson writes [] under -n.
@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(config: pytest.Config, report: Any) -> Any:
    data = yield
    context = _bdd_compat.report_context(report) if isinstance(report, pytest.TestReport) else None
    if data is not None and context is not None:
        data[_REPORT_CONTEXT_KEY] = context
    return data


@pytest.hookimpl(wrapper=True)
def pytest_report_from_serializable(config: pytest.Config, data: dict[str, Any]) -> Any:
    context = data.pop(_REPORT_CONTEXT_KEY, None)
    report = yield
    if context is not None and report is not None:
        _bdd_compat.restore_report_context(report, context)
    return report
