"""The switchable faults, the configuration errors, and the mutants' registry."""

from __future__ import annotations

import subprocess
import sys
import time

from conformance.recording_server_suite._talk_requests import start_message, stop_message, talk_json

START = talk_json(start_message(1, "alice", "users", "alice"))
STOP = talk_json(stop_message("users", "alice"))


def test_fail_after_reports_failed(start_recorder):
    recorder = start_recorder(faults={"fail_after": 0.1})
    recorder.stand_in.expect_room("failing1")
    assert recorder.talk.room("failing1", START, "start").status == 200
    failed = recorder.stand_in.wait_for("failing1", lambda e: e.report_type == "failed", 5)
    assert failed is not None and failed.message == {"type": "failed", "failed": {"token": "failing1"}}
    assert [e.report_type for e in recorder.stand_in.received("failing1")] == ["failed"]
    # the failed recording is gone: Talk may start again, and a stop finds nothing
    assert recorder.talk.room("failing1", STOP, "stop").status == 404


def test_never_start_reports_nothing_until_stopped(start_recorder):
    recorder = start_recorder(faults={"never_start": True})
    recorder.stand_in.expect_room("silent01")
    assert recorder.talk.room("silent01", START, "start").status == 200
    time.sleep(0.3)
    assert recorder.stand_in.received("silent01") == []
    assert recorder.talk.room("silent01", STOP, "stop").status == 200
    stopped = recorder.stand_in.wait_for("silent01", lambda e: e.report_type == "stopped", 5)
    assert stopped is not None
    time.sleep(0.2)
    assert not [
        e for e in recorder.stand_in.received("silent01") if e.kind == "store"
    ]  # nothing was recorded


def test_a_lost_recording_answers_404_on_stop(start_recorder):
    recorder = start_recorder(faults={"lose_recording": True})
    recorder.stand_in.expect_room("lostrec1")
    assert recorder.talk.room("lostrec1", START, "start").status == 200
    assert recorder.stand_in.wait_for("lostrec1", lambda e: e.report_type == "started", 5) is not None
    assert recorder.talk.room("lostrec1", STOP, "stop").status == 404


def test_a_refused_upload_is_a_file_talk_does_not_keep(start_recorder):
    recorder = start_recorder(faults={"upload_refused": True})
    recorder.stand_in.expect_room("refused1")
    recorder.talk.room("refused1", START, "start")
    assert recorder.stand_in.wait_for("refused1", lambda e: e.report_type == "started", 5) is not None
    recorder.talk.room("refused1", STOP, "stop")
    upload = recorder.stand_in.wait_for("refused1", lambda e: e.kind == "store", 5)
    assert upload is not None and upload.status == 400
    assert '"file_mimetype"' in upload.answer
    deadline = time.monotonic() + 5
    while "refused1 was refused" not in recorder.log():  # logged, not crashed
        assert time.monotonic() < deadline, recorder.log()
        time.sleep(0.05)


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reference_recording_server", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_bad_configuration_is_one_line_and_exit_2(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("faults: {fail_after: -1}\n", encoding="utf-8")
    completed = _command("--config", str(config), "--port", "0")
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        "talk-reference-recording-server: bad configuration: "
        "faults.fail_after must be a non-negative number, got -1"
    ]


def test_every_mutant_is_listed_with_its_rule_and_an_unknown_one_is_refused():
    from reference_recording_server.mutants import MUTANTS

    listed = _command("--list-mutants")
    assert listed.returncode == 0
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == list(MUTANTS)
    unknown = _command("--mutant", "no-such-mutant", "--port", "0")
    assert unknown.returncode == 2 and "unknown mutant 'no-such-mutant'" in unknown.stderr
