"""End to end: the suite through talk-conformance against real reference servers (-k "not end_to_end")."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conformance.target._embedded_server import EmbeddedServer
from conformance.target._signaling_stand_in import SignalingStandIn

WRONG_SECRET = "the suite's wrong secret 7c1d"
SERVER_SECRET = "the server's own secret 2e9f"


def clean_env() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("TALK_CONFORMANCE_")}


def talk_conformance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_summary(report_dir: Path) -> dict:
    return json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))


def test_end_to_end_against_the_embedded_reference_server_passes(tmp_path: Path) -> None:
    result = talk_conformance("--report-dir", "reports", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = read_summary(tmp_path / "reports")
    assert summary["verdict"] == "passed"
    assert summary["totals"]["total"] > 50 and summary["totals"]["failed"] == summary["totals"]["error"] == 0
    assert summary["target_url"].startswith("http://127.0.0.1:")
    for name in ("junit.xml", "cucumber.json", "summary.json"):
        assert (tmp_path / "reports" / name).is_file()
    cucumber = json.loads((tmp_path / "reports" / "cucumber.json").read_text(encoding="utf-8"))
    # pytest-bdd reports a scenario to cucumber.json once it starts: one skipped by the target's Talk release
    # (@until-talk / @since-talk) is skipped before that, and only summary.json names it.
    before_start = [
        s for s in summary["scenarios"] if s["verdict"] == "skipped" and "holds for Talk" in s["message"]
    ]
    assert before_start, "the bundled run models Talk 23, so the Talk 22 MP4 scenario is skipped"
    reported = sum(len(feature["elements"]) for feature in cucumber)
    assert reported == summary["totals"]["total"] - len(before_start)


@pytest.fixture
def separate_reference_server(tmp_path: Path) -> Iterator[str]:
    """A talk-reference-server started on its own, as a user would, not by the suite."""
    with EmbeddedServer(tmp_path / "separate") as server:
        yield server.url


def test_end_to_end_with_target_url_against_a_separate_reference_server_passes(
    tmp_path: Path, separate_reference_server: str
) -> None:
    result = talk_conformance(
        "--target-url", separate_reference_server, "--report-dir", "reports", "--", "-n", "2", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = read_summary(tmp_path / "reports")
    assert summary["verdict"] == "passed" and summary["target_url"] == separate_reference_server


def test_the_preflight_set_up_is_the_runs_own_and_undone_when_no_scenario_takes_it(
    tmp_path: Path, separate_reference_server: str
) -> None:
    from conformance.target import _setup_driver as setup_driver
    from conformance.target._profile import Account
    from conformance.target._setup_driver import TalkSession

    result = talk_conformance(
        "--target-url", separate_reference_server, "--record-traffic", "run.har", "--report-dir", "reports",
        "--", "-k", "a_moderator_starts_a_video_recording", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    entries = json.loads((tmp_path / "run.har").read_text(encoding="utf-8"))["log"]["entries"]
    configuring = [
        entry["request"]["method"]
        for entry in entries
        if entry["request"]["url"].endswith("/config/apps/spreed/recording_servers")
    ]
    assert configuring == ["GET", "POST", "DELETE"], "set up once (in the preflight), recorded, restored"
    # A selection that matches nothing: pytest never starts the suite, and the preflight's set-up is undone.
    result = talk_conformance(
        "--target-url", separate_reference_server, "--report-dir", "none", "--", "-k", "no_such_scenario",
        cwd=tmp_path,
    )  # fmt: skip
    assert "pytest did not run the suite" in result.stderr
    admin = TalkSession(separate_reference_server, Account("admin", "admin"), 10)
    try:
        assert setup_driver.get_app_config(admin, "recording_servers") == ""
        assert setup_driver.get_app_config(admin, "signaling_servers") == ""
    finally:
        admin.close()


@pytest.fixture
def server_with_its_own_secret(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A reference server whose recording configuration names a secret the suite does not know."""
    fake_port = free_port()
    recording = {
        "servers": [{"server": f"http://127.0.0.1:{fake_port}", "verify": False}],
        "secret": SERVER_SECRET,
    }
    # Its own signaling server: the suite's stand-in runs only where the run configures recording.
    stand_in = SignalingStandIn("signaling")
    stand_in.start()
    signaling = {"servers": [{"server": stand_in.url, "verify": False}], "secret": "signaling"}
    work = tmp_path / "misconfigured"
    work.mkdir()
    config = work / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "app_config": {"recording_servers": recording, "signaling_servers": signaling},
                "bruteforce": {"testing": True},
                "upload_max_bytes": 1048576,
            }
        ),
        encoding="utf-8",
    )
    command = [
        sys.executable, "-m", "reference_server", "--host", "127.0.0.1", "--port", "0",
        "--data-dir", str(work / "data"), "--config", str(config),
    ]  # fmt: skip
    try:
        with EmbeddedServer(work, command=command) as server:
            yield server.url, fake_port
    finally:
        stand_in.stop()


def test_end_to_end_with_a_wrong_recording_secret_fails_readably(
    tmp_path: Path, server_with_its_own_secret: tuple[str, int]
) -> None:
    url, fake_port = server_with_its_own_secret
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        yaml.safe_dump(
            {
                "url": url,
                "recording_secret": WRONG_SECRET,
                "configure_recording": False,
                "fake_recording_server_listen": f"127.0.0.1:{fake_port}",
            }
        ),
        encoding="utf-8",
    )
    result = talk_conformance(
        "--target-profile", str(profile), "--report-dir", "reports", "--", "-n", "2", cwd=tmp_path
    )
    output = result.stdout + result.stderr
    assert result.returncode in (1, 3), output[-3000:]
    summary = read_summary(tmp_path / "reports")
    assert summary["totals"]["failed"] > 0
    failed = [s for s in summary["scenarios"] if s["verdict"] == "failed"]
    assert all(s["message"].strip() for s in failed)
    assert any("403" in s["message"] for s in failed), [s["message"] for s in failed][:5]
    assert "INTERNALERROR" not in output
    assert WRONG_SECRET not in output and SERVER_SECRET not in output
    for path in (tmp_path / "reports").iterdir():
        assert WRONG_SECRET not in path.read_text(encoding="utf-8"), path.name
