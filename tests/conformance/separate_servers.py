"""A talk-reference-server started by the test itself, with options, and talk-conformance runs against it."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from conformance.target._embedded_server import EmbeddedServer

SUITE_TIMEOUT = 300


@contextlib.contextmanager
def reference_server(work_dir: Path, *options: str) -> Iterator[str]:
    """The reference server as the suite would start it, plus `options`; yields the URL it announced."""
    command = [
        sys.executable, "-m", "reference_server", "--host", "127.0.0.1", "--port", "0",
        "--data-dir", str(work_dir / "data"), "--config", str(work_dir / "reference-server.yaml"),
        *options,
    ]  # fmt: skip
    (work_dir / "data").mkdir(parents=True, exist_ok=True)
    with EmbeddedServer(work_dir, command=command) as server:
        yield server.url


def suite_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without TALK_CONFORMANCE_* or GitHub Actions variables, plus `extra`."""
    ignored = ("TALK_CONFORMANCE_", "GITHUB_")
    env = {name: value for name, value in os.environ.items() if not name.startswith(ignored)}
    return {**env, **(extra or {})}


def talk_conformance(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        cwd=cwd,
        env=suite_environment(env),
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )


def read_summary(report_dir: Path) -> dict:
    """summary.json of a run."""
    return json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
