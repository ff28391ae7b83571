"""@disruptive scenarios on live targets: reset by the endpoint or the user's command, else skipped."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conformance.target._embedded_server import EmbeddedServer

SELECTION = "Repeated"  # the two @disruptive scenarios
RESET_PATH = "/ocs/v2.php/apps/talk_reference/api/v1/bruteforce"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class _Forwarding(BaseHTTPRequestHandler):
    """Forwards everything to the reference server except its reset endpoint, like a real Nextcloud."""

    upstream: tuple[str, int]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.path.split("?")[0] == RESET_PATH:
            self._answer(404, [("Content-Type", "application/json")], b'{"ocs":{"meta":{"statuscode":998}}}')
            return
        connection = http.client.HTTPConnection(*self.upstream, timeout=120)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        self._answer(response.status, response.getheaders(), data)
        connection.close()

    def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815 - stdlib naming


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with EmbeddedServer(tmp_path_factory.mktemp("reference")) as server:
        yield server.url


@pytest.fixture(scope="module")
def without_reset(reference: str) -> Iterator[str]:
    """The reference server behind a proxy that answers its reset endpoint with 404."""
    upstream = urlsplit(reference)
    handler = type("_Bound", (_Forwarding,), {"upstream": (upstream.hostname, upstream.port)})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    proxy.daemon_threads = True
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{proxy.server_address[1]}"
    proxy.shutdown()
    proxy.server_close()


def talk_conformance(tmp_path: Path, url: str, **env: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("TALK_CONFORMANCE_")}
    result = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "--target-url", url, "--report-dir", "r",
         "--", "-k", SELECTION],
        cwd=tmp_path, env={**clean, **env}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return result, json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))


def reset_command(reference: str, log: Path, fail: bool = False) -> str:
    """What an admin's `occ security:bruteforce:reset` does, as a command the suite can run."""
    script = (
        "import sys, requests;"
        f"open({str(log)!r}, 'a').write('reset\\n');"
        f"r = requests.delete({reference + RESET_PATH!r}, auth=('admin', 'admin'),"
        " headers={'OCS-APIRequest': 'true'}, timeout=10);"
        f"sys.exit(print('the recording secret leaked', file=sys.stderr) or 7) if {fail} else"
        " sys.exit(0 if r.status_code == 200 else 1)"
    )
    return f"{sys.executable} -c {json.dumps(script)}"


def test_a_throttled_but_not_resettable_target_skips_them_saying_how_to_enable(tmp_path, without_reset):
    result, summary = talk_conformance(tmp_path, without_reset)
    # Only the two disruptive scenarios were selected, and both were skipped: that run checked nothing.
    assert result.returncode == 5, result.stdout[-2000:] + result.stderr[-2000:]
    assert summary["verdict"] == "nothing checked"
    scenarios = summary["scenarios"]
    assert len(scenarios) == 2 and {s["verdict"] for s in scenarios} == {"skipped"}
    for scenario in scenarios:
        assert "bruteforce_reset_command" in scenario["message"]
        assert "TALK_CONFORMANCE_BRUTEFORCE_RESET_COMMAND" in scenario["message"]
        assert f"DELETE {RESET_PATH} answered 404" in scenario["message"]


def test_the_reset_command_runs_before_and_after_each_of_them(tmp_path, reference, without_reset):
    log = tmp_path / "resets.log"
    command = reset_command(reference, log)
    env = {"TALK_CONFORMANCE_BRUTEFORCE_RESET_COMMAND": command}
    result, summary = talk_conformance(tmp_path, without_reset, **env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert {s["verdict"] for s in summary["scenarios"]} == {"passed"} and len(summary["scenarios"]) == 2
    assert log.read_text().count("reset") >= 4  # before and after each (the steps' own cleanup may add)
    assert command not in json.dumps(summary)


def test_a_failing_reset_command_is_a_setup_error_that_prints_no_secret(tmp_path, reference, without_reset):
    command = reset_command(reference, tmp_path / "resets.log", fail=True)
    env = {"TALK_CONFORMANCE_BRUTEFORCE_RESET_COMMAND": command}
    result, summary = talk_conformance(tmp_path, without_reset, **env)
    assert result.returncode == 3
    assert {s["verdict"] for s in summary["scenarios"]} == {"error"}
    message = summary["scenarios"][0]["message"]
    assert "bruteforce_reset_command failed with exit status 7: [REDACTED] leaked" in message
    assert "the recording secret" not in result.stdout + result.stderr + json.dumps(summary)
