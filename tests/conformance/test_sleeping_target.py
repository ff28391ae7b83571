"""The one slow test: a talk-reference-server started on its own, brute force really sleeping (its default).

Its throttle sleeps like Nextcloud outside testing mode (100 ms doubling per failed attempt, at most 25 s
before and as much after a request), so the backend brute-force scenario alone takes about three minutes.
The store one is left out here (the same throttle, as slow); docs/live-targets.md has both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.target._embedded_server import EmbeddedServer

BOUND_SECONDS = 480
STORE_THROTTLE = "test_repeated_bad_signatures_from_one_address_are_throttled_1"


@pytest.fixture
def sleeping_server(tmp_path: Path) -> Iterator[str]:
    """`python -m reference_server` without a configuration: production-mode brute force."""
    command = [
        sys.executable, "-m", "reference_server", "--host", "127.0.0.1", "--port", "0",
        "--data-dir", str(tmp_path / "data"),
    ]  # fmt: skip
    with EmbeddedServer(tmp_path / "server", command=command) as server:
        yield server.url


def test_a_sleeping_target_passes_and_nothing_hangs(tmp_path: Path, sleeping_server: str) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("TALK_CONFORMANCE_")}
    result = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "--target-url", sleeping_server, "--report-dir", "r",
         "--", "-k", f"not {STORE_THROTTLE}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=BOUND_SECONDS,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["failed"] == summary["totals"]["error"] == 0
    throttled = [s for s in summary["scenarios"] if s["name"].startswith("Repeated bad signatures")]
    assert [s["verdict"] for s in throttled] == ["passed"]
    assert "Traceback" not in result.stdout + result.stderr
