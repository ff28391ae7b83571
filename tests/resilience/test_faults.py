"""Faults against a real reference server: kill -9, misbehaving recording server, full or read-only disks."""

import pytest

from bench import faults
from bench.recording_target import recording_target
from bench.reference_process import default_config

RECORDING_TIMEOUT = 0.5


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    env = {"TALK_REFERENCE_RECORDING_TIMEOUT": str(RECORDING_TIMEOUT)}
    config = default_config(upload_max_bytes=64 * faults.MIB)
    with recording_target(tmp_path_factory.mktemp("faults"), config=config, env=env) as running:
        yield running


def _assert_passed(result):
    if result.skipped:
        pytest.skip(result.detail)
    assert result.passed, result.detail


def test_kill_during_upload_leaves_no_partial_file(target):
    _assert_passed(faults.kill_during_upload(target, upload_bytes=16 * faults.MIB))


def test_kill_during_start_leaves_a_recoverable_room(target):
    _assert_passed(faults.kill_during_start(target))


def test_kill_during_callbacks_leaves_a_sound_database(target):
    _assert_passed(faults.kill_during_callbacks(target))


def test_hanging_or_refusing_recording_server_makes_start_answer_500_in_bounded_time(target):
    for result in faults.recording_server_down(target, RECORDING_TIMEOUT):
        _assert_passed(result)


def test_disk_full_during_upload_answers_invalid_file_and_keeps_earlier_recordings(tmp_path):
    _assert_passed(faults.disk_full(tmp_path, upload_bytes=8 * faults.MIB))


def test_read_only_files_answer_owner_permission_and_lose_nothing(tmp_path):
    _assert_passed(faults.read_only_files(tmp_path))


def test_read_only_data_dir_stops_the_server_with_a_clear_message(tmp_path):
    _assert_passed(faults.read_only_data_dir(tmp_path))
