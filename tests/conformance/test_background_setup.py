"""background_setup: auto, true or false; auto sends one request at a time to a SQLite-backed Nextcloud."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ocs_stand_in import ocs, ocs_stand_in

from conformance.target import _run_setup as run_setup
from conformance.target._embedded_server import EmbeddedServer
from conformance.target._preflight import SERVER_INFO, Preflight
from conformance.target._profile import ProfileError, load_profile

# What Nextcloud 32's serverinfo app answers, cut to what matters here.
SERVER_INFO_SQLITE = ocs(
    {
        "nextcloud": {"system": {"version": "32.0.1.2"}},
        "server": {"webserver": "PHP cli-server", "database": {"type": "sqlite3", "version": "3.40.1"}},
    }
)


def _server_info(path: str) -> tuple[int, object]:
    return (200, SERVER_INFO_SQLITE) if path.startswith(SERVER_INFO) else (404, {})


@pytest.fixture
def sqlite_nextcloud() -> Iterator[str]:
    with ocs_stand_in(_server_info) as url:
        yield url


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
        with run_setup.prepared_run(profile) as prepared:
            assert prepared.context(tmp_path / "lock").profile.background_setup is True
