"""Fixtures shared by the living-docs tests: one real run against the bundled reference server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few real scenarios against the bundled reference server; @admin ones skipped by the profile."""
    report = tmp_path_factory.mktemp("run") / "report"
    env = {name: value for name, value in os.environ.items() if not name.startswith("TALK_CONFORMANCE_")}
    env["TALK_CONFORMANCE_SKIP_TAGS"] = "admin"
    selection = "reported_with_the_reason or report_of_an_unknown_type or check_a_recording_server"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "run", "--report-dir", str(report), "--", "-k", selection],
        cwd=report.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    return report
