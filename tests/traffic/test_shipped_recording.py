"""The shipped recordings are built by conformance.traffic.shipped_recording and carry no credential."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conformance.traffic import _har as har
from conformance.traffic import _recordings as recordings
from conformance.traffic import (
    read_har,
    shipped_recording_metadata,
    shipped_recording_names,
    shipped_traffic_path,
)
from conformance.traffic.shipped_recording import main, unredacted_credentials

REPOSITORY = Path(__file__).resolve().parents[2]
SHARED = REPOSITORY.parent / "shared" / "reference"  # beside the checkout, as in CI
# Where each shipped recording came from (the development machine has the originals).
SOURCES = {
    "nextcloud-32": ("real-talk-22", "summary-2026-12-06.json", "fuzz-findings-2026-12-06.jsonl"),
    "nextcloud-33": ("real-talk-23", "summary.json", "fuzz-findings.jsonl"),
}


def _entry(authorization: str) -> dict:
    return {
        "startedDateTime": "2026-12-06T10:00:00.000Z",
        "request": {"method": "GET", "url": "http://127.0.0.1/x", "headers": [
            {"name": "Authorization", "value": authorization}], "cookies": []},
        "response": {"status": 200, "headers": [], "cookies": [{"name": "oc", "value": "[REDACTED]"}]},
        "_leg": "suite-to-target",
    }  # fmt: skip


def _summary(path: Path) -> Path:
    path.write_text(json.dumps({"scenarios": []}), encoding="utf-8")
    return path


def test_a_har_with_a_credential_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    source = tmp_path / "run.har"
    har.write(source, har.log([_entry("Basic YWRtaW46YWRtaW4=")], "talk-conformance", "0", "test"))
    code = main([str(source), str(tmp_path / "out"), "--summary", str(_summary(tmp_path / "s.json")),
                 "--commit", "fd44b23", "--implementation", "X", "--talk-release", "23",
                 "--recorded", "2026-12-06", "--repository", str(REPOSITORY)])  # fmt: skip
    error = capsys.readouterr().err
    assert code == 2 and error.count("\n") == 1
    assert "credentials not redacted (1), first: entry 1 request header Authorization" in error
    assert "YWRtaW4" not in error and not (tmp_path / "out").exists()


def test_a_redacted_har_becomes_a_recording_directory(tmp_path: Path):
    known = subprocess.run(["git", "-C", str(REPOSITORY), "cat-file", "-e", "fd44b23^{commit}"], check=False)  # noqa: S603, S607
    if known.returncode != 0:
        pytest.skip("commit fd44b23 is not in this checkout's history (shallow clone?)")
    source = tmp_path / "run.har"
    har.write(source, har.log([_entry("[REDACTED]")], "talk-conformance", "0", "test"))
    out = tmp_path / "out"
    code = main([str(source), str(out), "--summary", str(_summary(tmp_path / "s.json")),
                 "--commit", "fd44b23", "--implementation", "Nextcloud 33.0.1 / Talk 23.0.6",
                 "--talk-release", "23", "--recorded", "2026-12-06",
                 "--repository", str(REPOSITORY)])  # fmt: skip
    assert code == 0
    names = {"traffic.har", "summary.json", "scenarios.json", "capture_artefacts.json", "recording.json"}
    assert {path.name for path in out.iterdir()} == names
    metadata = json.loads((out / "recording.json").read_text(encoding="utf-8"))
    assert metadata["talk_release"] == 23 and metadata["suite_commit"] == "fd44b23"
    fingerprints = json.loads((out / "scenarios.json").read_text(encoding="utf-8"))["scenarios"]
    assert all(item["sent_sha256"] and item["traffic_name"] for item in fingerprints.values())


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_shipped_recording_is_redacted_and_says_what_it_recorded(name: str):
    assert name in shipped_recording_names()
    document = read_har(shipped_traffic_path(name))
    assert list(unredacted_credentials(document)) == []
    metadata = shipped_recording_metadata(name)
    assert {"implementation", "talk_release", "suite_commit", "recorded"} <= set(metadata)
    assert f"Talk {metadata['talk_release']}." in metadata["implementation"]
    legs = {item["_leg"] for item in document["log"]["entries"]}
    assert legs == {"suite-to-target", "target-to-recording-server", "target-to-signaling-server"}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_shipped_recording_keeps_the_real_run_byte_for_byte(name: str):
    folder, summary, findings = SOURCES[name]
    source = SHARED / folder
    if not source.is_dir():
        pytest.skip(f"{source} is only on the development machine")
    shipped = recordings.directory(name)
    assert (shipped / "summary.json").read_bytes() == (source / summary).read_bytes()
    assert (shipped / "fuzz-findings.jsonl").read_bytes() == (source / findings).read_bytes()
    original = read_har(source / "run-2026-12-06.har")["log"]["entries"]
    assert read_har(shipped / "traffic.har")["log"]["entries"] == original
