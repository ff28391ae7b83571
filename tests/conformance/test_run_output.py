"""What a person sees: a line per scenario, each failure once with feature:line, and a target left clean.

Against a talk-reference-server started on its own, as a user would (tests/conformance/separate_servers.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from separate_servers import read_summary, talk_conformance

from conformance.target._embedded_server import EmbeddedServer

FAILING = " or ".join(
    ("fails_becomes_failed", "chat_tells_the_story", "lost_the_recording", "in_every_state", "upload_limit")
)
PYTEST_OWN = ("generated json file", "short test summary", " passed in ", "= FAILURES =", "+ where")
VERDICT_LINE = re.compile(r"^[A-Z][A-Z ]* +[0-9.]+ (s|min)\b.*  features/[a-z_]+\.feature:\d+  ")
UNSUPPORTED_LIMIT = "(unsupported: the profile does not give the target's upload limit"


def test_a_failing_run_shows_each_failure_once_with_its_place_and_no_internals(tmp_path: Path) -> None:
    with EmbeddedServer(tmp_path / "server", mutant="failed-message-missing") as server:
        result = talk_conformance("--target-url", server.url, "--report-dir", "reports", "--", "-k", FAILING,
                                  cwd=tmp_path)  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    summary = read_summary(tmp_path / "reports")
    failed = [scenario for scenario in summary["scenarios"] if scenario["verdict"] == "failed"]
    assert len(failed) >= 3
    for scenario in failed:
        where = f"features/{scenario['source']['path']}:{scenario['source']['line']}"
        heading = f"FAILED {where}  {scenario['feature']}: {scenario['name']}"
        assert output.count(heading + "\n") == 1, heading  # the detail block, once
    assert output.count("(failed step: ") == len(failed)
    for internal in (*PYTEST_OWN, "Traceback"):
        assert internal not in output, internal
    assert "OggS" not in output and "\\x00" not in output  # no raw binary
    assert "request: GET /ocs/v2.php/apps/spreed/api/v1/chat/" in output  # the read the chat step judged
    skipped = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert any(UNSUPPORTED_LIMIT in line for line in skipped)
    assert output.count("=== talk-conformance summary ===") == 1
    assert result.stdout.rstrip().splitlines()[-1].startswith("left on the target: ")


def test_a_passing_run_names_every_scenario_and_removes_the_recordings_it_stored(tmp_path: Path) -> None:
    with EmbeddedServer(tmp_path / "server") as server:
        result = talk_conformance("--target-url", server.url, "--report-dir", "reports", "--", "-n", "2",
                                  cwd=tmp_path)  # fmt: skip
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-3000:]
        files = tmp_path / "server" / "data" / "files"
        left = sorted(str(path.relative_to(files)) for path in files.glob("*/Talk/Recording/*"))
    summary = read_summary(tmp_path / "reports")
    lines = [line for line in output.splitlines() if VERDICT_LINE.match(line)]
    assert len(lines) == summary["totals"]["total"] > 100  # under xdist too: the controller prints them
    assert left == [], "the run's recordings must be deleted (WebDAV, as their owner)"
    assert summary["profile"]["url"] == server.url and "user" in summary["profile"]["users"][0]
    # Talk's start markers cannot be deleted through the provisioning API (the key holds a slash): reported.
    assert summary["left_on_target"] and "recording/<token>" in summary["left_on_target"][0]
    assert result.stdout.rstrip().splitlines()[-1] == "left on the target: " + summary["left_on_target"][0]
