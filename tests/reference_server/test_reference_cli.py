"""The command: listening line, clean shutdown, helpful errors, state kept across restarts."""

import json
import signal
import socket
import subprocess
import sys

import requests
from reference_helpers import WEBM, RunningServer, Talk, signaling_servers


def run(*args, timeout=20):
    return subprocess.run(
        [sys.executable, "-m", "reference_server", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_listening_line_request_log_and_sigterm(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    assert line.startswith("talk-reference-server listening on http://127.0.0.1:") and line.endswith("/\n")
    url = line.split()[-1]
    assert requests.get(url + "ocs/v2.php/cloud/capabilities", timeout=10).status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert process.stdout.read() == ""  # nothing but the one line on stdout
    assert "GET /ocs/v2.php/cloud/capabilities 200" in process.stderr.read()


def test_ctrl_c_exits_cleanly():
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    process.stdout.readline()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0
    process.stdout.close()


def test_bad_configuration_is_explained(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("bruteforce: {enabled: maybe}\n")
    result = run("--port", "0", "--config", str(path))
    assert result.returncode == 2
    assert "bruteforce.enabled must be true or false" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_talk_version_is_one_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("talk_version: 24\n")
    result = run("--port", "0", "--config", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "talk_version must be one of 22, 23" in result.stderr


def test_port_in_use_is_explained():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("--port", str(taken.getsockname()[1]))
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1" in result.stderr and "Traceback" not in result.stderr


def test_unusable_data_dir_is_explained(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("--port", "0", "--data-dir", str(blocker / "sub"))
    assert result.returncode == 1
    assert "cannot use data dir" in result.stderr and "Traceback" not in result.stderr


def test_configured_accounts_app_config_and_base_url(tmp_path, recording_server):
    config = {
        "accounts": [{"id": "boss", "password": "pw", "admin": True}, {"id": "alice", "password": "secret"}],
        "app_config": {
            "recording_servers": json.dumps({"servers": [{"server": recording_server.url}], "secret": "k"}),
            "signaling_servers": signaling_servers(),
        },
        "base_url": "http://127.0.0.1:1/nextcloud",
    }
    running = RunningServer(tmp_path / "data", config).start()
    try:
        talk = Talk(running.url)
        talk.session("alice", "secret")
        talk.session("boss", "pw")
        assert (
            talk.ocs("alice", "GET", "ocs/v2.php/cloud/capabilities")["capabilities"]["spreed"]["config"][
                "call"
            ]["recording"]
            is True
        )
        assert (
            talk.session("participant1").get(running.url + "ocs/v2.php/cloud/capabilities").status_code == 200
        )
        token = talk.ocs(
            "alice",
            "POST",
            "ocs/v2.php/apps/spreed/api/v4/room",
            expected=201,
            data={"roomType": 2, "roomName": "x"},
        )["token"]
        talk.join_call(token, user="alice")
        assert talk.start(token, user="alice").status_code == 200
        sent = recording_server.requests[-1].headers
        assert sent["Talk-Recording-Backend"] == "http://127.0.0.1:1/nextcloud/"
        admin_only = talk.session("alice").get(
            running.url + "ocs/v2.php/apps/spreed/api/v1/recording/welcome/0"
        )
        assert admin_only.status_code == 403
        assert talk.session("boss").get(running.url + "ocs/v2.php/apps/spreed/api/v1/recording/welcome/0").ok
    finally:
        assert running.stop() == 0


def test_restart_keeps_rooms_states_files_and_sessions(tmp_path, recording_server):
    running = RunningServer(tmp_path / "data", {}).start()
    talk = Talk(running.url)
    talk.configure_recording(recording_server.url, secret="the recording secret")
    token = talk.room()
    talk.join_call(token)
    assert talk.start(token, status=2).status_code == 200
    assert talk.store(token, WEBM, filename="kept.webm").status_code == 200
    cookies = talk.session("participant1").cookies.copy()
    assert running.stop() == 0

    running = RunningServer(tmp_path / "data", {}).start()
    try:
        again = Talk(running.url)
        again.session("participant1").cookies.update(cookies)
        assert again.room_state(token) == 4
        assert (
            again.ocs("participant1", "GET", f"ocs/v2.php/apps/spreed/api/v4/room/{token}")["hasCall"] is True
        )
        assert (
            running.data_dir / "files/participant1/Talk/Recording" / token / "kept.webm"
        ).read_bytes() == WEBM
        assert again.notifications(token)[0]["messageRichParameters"]["file"]["name"] == "kept.webm"
        assert again.callback("started", token, status=2, actor={"type": "users", "id": "participant1"}).ok
        assert again.room_state(token) == 2
        assert again.ocs("participant1", "DELETE", f"ocs/v2.php/apps/spreed/api/v4/call/{token}") == []
    finally:
        assert running.stop() == 0


def test_temporary_data_dir_is_removed(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"TMPDIR": str(tmp_path), "PATH": ""},
    )
    process.stdout.readline()
    assert len(list(tmp_path.iterdir())) == 1
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    process.stdout.close()
    process.stderr.close()
    assert list(tmp_path.iterdir()) == []


def test_the_help_leaves_the_mutants_to_list_mutants():
    result = run("--help")
    assert result.returncode == 0
    assert "--list-mutants" in result.stdout and "failed-message-missing" not in result.stdout
    listed = run("--list-mutants").stdout.splitlines()
    assert "failed-message-missing" in {line.split("\t")[0] for line in listed} and len(listed) >= 50
