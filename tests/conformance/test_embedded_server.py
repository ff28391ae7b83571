"""The embedded launcher: starts the reference server, waits until ready, stops it, explains early deaths."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from conformance.target._embedded_server import EmbeddedServer, EmbeddedServerError

# A stand-in child that follows the reference server's startup contract: one "listening on" line on stdout.
STAND_IN = """
import http.server, sys
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
print(f"talk-reference-server listening on http://127.0.0.1:{server.server_address[1]}/", flush=True)
server.serve_forever()
"""

reference_server_available = pytest.mark.skipif(
    importlib.util.find_spec("reference_server.__main__") is None,
    reason="reference_server not importable yet",
)


def test_stand_in_child_starts_answers_and_stops(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path, command=[sys.executable, "-c", STAND_IN])
    url = server.start()
    try:
        assert url.startswith("http://127.0.0.1:") and not url.endswith("/")
        assert requests.get(url + "/", timeout=5).status_code == 200
    finally:
        server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/", timeout=5)
    config = yaml.safe_load((tmp_path / "reference-server.yaml").read_text(encoding="utf-8"))
    assert config == {"bruteforce": {"testing": True}, "upload_max_bytes": 1048576}


def test_a_child_that_dies_early_gives_a_readable_error_with_its_log(tmp_path: Path) -> None:
    crash = "import sys; sys.stderr.write('boom: port already taken\\n'); sys.exit(3)"
    server = EmbeddedServer(tmp_path, command=[sys.executable, "-c", crash])
    with pytest.raises(EmbeddedServerError) as caught:
        server.start()
    message = str(caught.value)
    assert "exited with status 3 before it was ready" in message
    assert "boom: port already taken" in message
    assert "Traceback" not in message


def test_a_child_that_never_gets_ready_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    server = EmbeddedServer(
        tmp_path, startup_timeout=1.0, command=[sys.executable, "-c", "import time; time.sleep(60)"]
    )
    started = time.monotonic()
    with pytest.raises(EmbeddedServerError, match="did not report readiness within 1s"):
        server.start()
    assert time.monotonic() - started < 15


def test_a_missing_program_is_a_setup_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedServerError, match="cannot start the bundled reference server"):
        EmbeddedServer(tmp_path, command=[str(tmp_path / "no-such-program")]).start()


@reference_server_available
def test_the_bundled_reference_server_starts_answers_and_stops() -> None:
    with EmbeddedServer() as server:
        response = requests.get(
            server.url + "/ocs/v2.php/cloud/capabilities",
            auth=("participant1", "123456"),
            headers={"OCS-APIRequest": "true", "Accept": "application/json"},
            timeout=10,
        )
        assert response.status_code == 200
        assert "recording-v1" in response.json()["ocs"]["data"]["capabilities"]["spreed"]["features"]
        url = server.url
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/", timeout=5)
