"""The preflight: one line per check with a fix hint; the first failure stops it (exit 3 in the command)."""

from __future__ import annotations

import socket

import pytest

from conformance import cli
from conformance.target import _setup_driver as setup_driver
from conformance.target import preflight_run
from conformance.target._embedded_server import EmbeddedServer
from conformance.target._preflight import Preflight, PreflightFailed
from conformance.target._profile import load_profile
from conformance.target._setup_driver import TalkSession


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with EmbeddedServer(work_dir=tmp_path_factory.mktemp("reference")) as server:
        yield server.url


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_preflight_reports_an_unreachable_fake_recording_server(target):
    unreachable = f"http://127.0.0.1:{closed_port()}"
    profile = load_profile(target, env={"TALK_CONFORMANCE_FAKE_RECORDING_SERVER_URL": unreachable})
    lines: list[str] = []
    with pytest.raises(PreflightFailed) as failure:
        preflight_run(profile, lines.append)
    last = lines[-1]
    assert last == f"FAIL  recording server: {failure.value}"
    assert last.startswith("FAIL  recording server: Talk cannot reach the fake recording server at ")
    assert unreachable in last
    assert "CAN_NOT_CONNECT" in last and "fake_recording_server_url" in last
    assert "allow_local_remote_servers" in last
    # The line about the expectations follows the target check (it needs the target's release).
    assert [line.split()[0] for line in lines[:-1]] == ["ok", "ok", "expectations:", "ok"]
    # Undone after the failure: the target is not left pointing at the unreachable server.
    admin = TalkSession(target, profile.admin, 10)
    assert setup_driver.get_app_config(admin, "recording_servers") == ""


def test_an_unreachable_target_is_one_line_with_a_hint():
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(PreflightFailed, match=r"^the target http:.* not reachable: Connection refused \(fix"):
        Preflight(load_profile(url, env={})).target(url)


def test_a_wrong_admin_password_is_named(target):
    profile = load_profile(target, env={"TALK_CONFORMANCE_ADMIN_PASSWORD": "wrong"})
    with pytest.raises(PreflightFailed, match=r"^'admin' may not use the provisioning API"):
        Preflight(profile).administration(target)
    setup_driver.reset_brute_force(TalkSession(target, load_profile(target, env={}).admin, 10))


def test_the_check_command_prints_every_line_and_passes(target, capsys, no_profile_in_environment: None):
    assert cli.main(["check", "--target-url", target]) == cli.EXIT_CLEAN
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out[:-1]] == [
        "ok    target",
        "ok    recording-v1",
        "expectations",
        "ok    admin",
        "ok    recording server",
        "ok    signaling server",
    ]
    assert out[-1] == "preflight passed: the run can be set up"


def test_the_check_command_fails_with_exit_3_and_the_line(capsys):
    url = f"http://127.0.0.1:{closed_port()}"
    assert cli.main(["check", "--target-url", url]) == cli.EXIT_SETUP
    captured = capsys.readouterr()
    assert "setup error: the target http" in captured.err and "Traceback" not in captured.err
    assert captured.out.startswith("FAIL  target: the target http")
