"""A target under a web root, as a Nextcloud installed in a sub-directory (http://host/nextcloud)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from separate_servers import read_summary, reference_server, talk_conformance

from conformance.protocol._contract import load_contract
from conformance.target import RECORDING, configure_recording, create_room, delete_room, join_call, join_room
from conformance.target._fake_recording_server import FakeRecordingServer, FakeRecordingServerControl
from conformance.target._profile import Account
from conformance.target._setup_driver import TalkSession
from conformance.target._signaling_stand_in import SignalingStandIn

WEB_ROOT = "/nextcloud"
ADMIN = Account("admin", "admin")
MODERATOR = Account("participant1", "123456")
TIMEOUT = 10.0
OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reference server below /nextcloud; its URL without the trailing slash."""
    with reference_server(tmp_path_factory.mktemp("web-root"), "--web-root", WEB_ROOT) as url:
        yield url


def test_the_server_announces_its_web_root(target: str) -> None:
    assert target.startswith("http://127.0.0.1:") and target.endswith(WEB_ROOT)


def test_the_suite_passes_against_a_target_under_a_web_root(tmp_path: Path, target: str) -> None:
    result = talk_conformance(
        "--target-url", target, "--report-dir", "reports",
        cwd=tmp_path, env={"TALK_CONFORMANCE_UPLOAD_LIMIT_BYTES": "1048576"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = read_summary(tmp_path / "reports")
    assert summary["verdict"] == "passed" and summary["target_url"] == target
    assert summary["totals"]["passed"] > 50 and summary["totals"]["error"] == 0


def test_outside_the_web_root_the_web_server_answers_404(target: str) -> None:
    origin = target.removesuffix(WEB_ROOT)
    for path in ("/ocs/v2.php/cloud/capabilities", "/nextcloudx/ocs/v2.php/cloud/capabilities", "/"):
        response = requests.get(origin + path, headers=OCS_HEADERS, timeout=TIMEOUT)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html") and "Not Found" in response.text
    inside = requests.get(target + "/ocs/v2.php/cloud/capabilities", headers=OCS_HEADERS, timeout=TIMEOUT)
    assert inside.status_code == 200 and inside.json()["ocs"]["meta"]["status"] == "ok"


def test_the_recording_server_is_told_the_backend_with_the_web_root(target: str) -> None:
    with FakeRecordingServer("web root secret") as fake, SignalingStandIn("web root signaling") as stand_in:
        restore = configure_recording(
            target, ADMIN, "web root secret", fake.url, TIMEOUT, signaling_stand_in=stand_in
        )
        moderator = TalkSession(target, MODERATOR, TIMEOUT)
        token = create_room(moderator, "tcwebroot start")
        try:
            join_room(moderator, token)
            join_call(moderator, token)
            started = moderator.request("POST", f"{RECORDING}/{token}", data={"status": 1})
            assert started.status_code == 200, started.text
            received = FakeRecordingServerControl(fake.url, TIMEOUT).received(token)
            assert [entry["backend"] for entry in received] == [target + "/"]
        finally:
            delete_room(moderator, token)
            moderator.close()
            restore()


def test_the_contract_finds_operations_below_a_web_root() -> None:
    contract = load_contract()
    api = "https://cloud.example.test/nextcloud/ocs/v2.php/apps/spreed/api/v1/recording"
    assert contract.operation_for("POST", f"{api}/backend").operation_id == "recording-backend"
    assert contract.operation_for("DELETE", f"{api}/abcd1234").operation_id == "recording-stop"
    assert contract.operation_for("POST", f"{api}/abcd1234/store?x=1").operation_id == "recording-store"
