"""background_setup: auto, true or false; auto sends one request at a time to a SQLite-backed Nextcloud."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from conformance import run_setup
from conformance.config import ProfileError, load_profile
from conformance.embedded_server import EmbeddedServer
from conformance.preflight import SERVER_INFO, Preflight

# What Nextcloud 32's serverinfo app answers, cut to what matters here.
SERVER_INFO_SQLITE = {
    "ocs": {
        "meta": {"status": "ok", "statuscode": 200},
        "data": {
            "nextcloud": {"system": {"version": "32.0.1.2"}},
            "server": {"webserver": "PHP cli-server", "database": {"type": "sqlite3", "version": "3.40.1"}},
        },
    }
}


class _ServerInfo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        body = json.dumps(SERVER_INFO_SQLITE).encode() if self.path.startswith(SERVER_INFO) else b"{}"
        self.send_response(200 if self.path.startswith(SERVER_INFO) else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture
def sqlite_nextcloud() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ServerInfo)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_profile_takes_auto_true_and_false_and_names_anything_else() -> None:
    assert load_profile(env={}).background_setup is None
    assert load_profile(env={"TALK_CONFORMANCE_BACKGROUND_SETUP": "auto"}).background_setup is None
    assert load_profile(env={"TALK_CONFORMANCE_BACKGROUND_SETUP": "false"}).background_setup is False
    assert load_profile(env={"TALK_CONFORMANCE_BACKGROUND_SETUP": "yes"}).background_setup is True
    with pytest.raises(ProfileError, match="background_setup must be auto, true or false, got 'sometimes'"):
        load_profile(env={"TALK_CONFORMANCE_BACKGROUND_SETUP": "sometimes"})


def test_a_sqlite_backed_target_is_named_in_the_preflight(sqlite_nextcloud: str) -> None:
    lines: list[str] = []
    kind = Preflight(load_profile(sqlite_nextcloud, env={}), lines.append).database(sqlite_nextcloud)
    assert kind == "sqlite3"
    assert lines == [
        "ok    database: SQLite: the suite sends its setup and cleanup requests one at a time"
        " (background_setup: auto); SQLite answers concurrent writes with 'database is locked', so run"
        " without -n"
    ]


def test_auto_means_one_request_at_a_time_only_against_sqlite() -> None:
    auto, on = load_profile(env={}), load_profile(env={"TALK_CONFORMANCE_BACKGROUND_SETUP": "true"})
    assert run_setup._resolve_background_setup(auto, "sqlite3").background_setup is False
    assert run_setup._resolve_background_setup(auto, "mysql").background_setup is True
    assert run_setup._resolve_background_setup(auto, None).background_setup is True
    assert run_setup._resolve_background_setup(on, "sqlite3").background_setup is True  # the user decided


def test_a_target_without_serverinfo_keeps_the_overlap(tmp_path) -> None:
    with EmbeddedServer(work_dir=tmp_path) as server:
        profile = load_profile(server.url, env={})
        assert Preflight(profile).database(server.url) is None
        with run_setup.prepared(profile) as prepared:
            assert prepared.context(tmp_path / "lock").profile.background_setup is True
