"""The one run set-up against a real reference server: stand-in when needed, configuration restored after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.outcomes import SetupError
from conformance.suite import CommandRun, SuiteOptions
from conformance.target import _setup_driver as setup_driver
from conformance.target import prepared_run, set_up_run
from conformance.target._embedded_server import EmbeddedServer
from conformance.target._profile import load_profile
from conformance.target._setup_driver import TalkSession
from conformance.target._signaling_stand_in import SignalingStandIn, SignalingStandInControl

TIMEOUT = 10.0


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with EmbeddedServer(work_dir=tmp_path_factory.mktemp("reference")) as server:
        yield server.url


def profile_for(url: str, **extra: str):
    env = {f"TALK_CONFORMANCE_{name.upper()}": value for name, value in extra.items()}
    return load_profile(url, env=env)


def test_a_target_without_signaling_server_runs_through_the_stand_in_and_gets_its_config_back(target):
    profile = profile_for(target)
    admin = TalkSession(target, profile.admin, TIMEOUT)
    before = {key: setup_driver.get_app_config(admin, key) for key in setup_driver.RECORDING_KEYS}
    assert before["signaling_servers"] == ""
    with prepared_run(profile) as run:
        assert run.signaling_stand_in is not None
        configured = json.loads(setup_driver.get_app_config(admin, "signaling_servers"))
        assert configured["servers"] == [{"server": run.signaling_stand_in.url, "verify": False}]
        assert configured["secret"] == run.signaling_secret and run.signaling_secret in run.secrets()
        context = run.context(Path("/tmp/lock"))
        assert context.signaling_stand_in_url == run.signaling_stand_in.url
        owner = TalkSession(target, profile.users[0], TIMEOUT)
        token = setup_driver.create_room(owner, "through the stand-in")
        setup_driver.delete_room(owner, token)
        received = SignalingStandInControl(context.signaling_stand_in_url).received(token)
        # conversation_created refreshes the chat first, as Talk 22 does
        assert [entry["type"] for entry in received] == ["message", "invite", "delete"]
        assert all(entry["signature_valid"] for entry in received)
        assert [line.split()[0] for line in (r.line() for r in run.checks.results)] == ["ok"] * 5
    after = {key: setup_driver.get_app_config(admin, key) for key in setup_driver.RECORDING_KEYS}
    assert after == before


def test_a_target_with_its_own_signaling_server_keeps_it(target):
    admin = TalkSession(target, load_profile(target, env={}).admin, TIMEOUT)
    with SignalingStandIn("the target's own") as own:
        own_server = {"servers": [{"server": own.url, "verify": False}], "secret": "the target's own"}
        servers = json.dumps(own_server)
        setup_driver.set_app_config(admin, "signaling_servers", servers)
        try:
            with prepared_run(profile_for(target)) as run:
                assert run.signaling_stand_in is None
                assert setup_driver.get_app_config(admin, "signaling_servers") == servers
                assert run.context(Path("/tmp/lock")).signaling_stand_in_url is None
            assert own.exchanges()[0]["path"] == "/api/v1/welcome"  # the preflight asked it through Talk
        finally:
            setup_driver.delete_app_config(admin, "signaling_servers")


def test_a_fake_recording_server_port_in_use_is_a_setup_error_and_nothing_stays_configured(target):
    profile = profile_for(target)
    admin = TalkSession(target, profile.admin, TIMEOUT)
    with SignalingStandIn("occupies a port") as occupant:
        port = occupant.url.rsplit(":", 1)[1]
        taken = profile_for(target, fake_recording_server_listen=f"127.0.0.1:{port}")
        with pytest.raises(SetupError, match=r"fake recording server cannot listen on 127\.0\.0\.1"):
            set_up_run(taken)
    assert setup_driver.get_app_config(admin, "recording_servers") == ""


def test_the_fuzzer_uses_the_same_set_up_and_a_port_in_use_is_a_setup_error(target):
    from conformance.fuzz._target import prepared_target

    with SignalingStandIn("occupies a port") as occupant:
        port = occupant.url.rsplit(":", 1)[1]
        taken = profile_for(target, fake_recording_server_listen=f"127.0.0.1:{port}")
        with pytest.raises(SetupError, match=r"fake recording server cannot listen"), prepared_target(taken):
            pass


def test_the_set_up_uses_the_bundled_server_the_command_launched_ahead(tmp_path):
    run = CommandRun(load_profile(None, env={}), SuiteOptions(), tmp_path / "run")
    run.launch_bundled_server()
    launched = run.launched_server
    assert launched is not None and launched.url == ""  # started, not waited for
    server = run.take_launched_server()
    assert server is launched and run.take_launched_server() is None  # handed over once
    process = server._child._process
    prepared, stop = set_up_run(run.profile, run.run_dir, launched_server=server)
    try:
        assert prepared.base_url == server.url != ""
        assert server.log_path == run.run_dir / "reference-server" / "reference-server.log"
        assert process is not None and process.poll() is None
    finally:
        assert stop() == []
    assert process.poll() is not None  # the set-up's stop ended the very process launched ahead


def test_a_launched_server_the_plugin_never_took_is_stopped_by_the_release(tmp_path):
    run = CommandRun(load_profile(None, env={}), SuiteOptions(), tmp_path / "run")
    run.launch_bundled_server()
    server = run.launched_server
    assert server is not None
    process = server._child._process
    assert process is not None and process.poll() is None
    assert run.release() == []
    assert process.poll() is not None and run.launched_server is None


def test_a_run_with_a_target_url_launches_no_bundled_server(tmp_path, target):
    run = CommandRun(profile_for(target), SuiteOptions(), tmp_path / "run")
    run.launch_bundled_server()
    assert run.launched_server is None
