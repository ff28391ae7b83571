"""Both suites side by side: the end-to-end group's profile key, the living documentation."""

from __future__ import annotations

import json

import pytest

from conformance.reports.living_docs._command import build_site
from conformance.target._profile import ProfileError, load_profile


def test_the_end_to_end_group_uses_the_reference_recording_server_against_the_bundled_target():
    assert load_profile().recording_server == "reference"
    assert load_profile("https://cloud.example.com").recording_server is None


def test_recording_server_may_name_a_url_or_none(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text("recording_server: http://rec:8000/\n", encoding="utf-8")
    assert load_profile(None, profile).recording_server == "http://rec:8000"
    profile.write_text("recording_server: none\n", encoding="utf-8")
    assert load_profile(None, profile).recording_server is None
    profile.write_text("recording_server: somewhere\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="recording_server"):
        load_profile(None, profile)


def test_the_living_documentation_shows_both_suites_with_their_results(tmp_path):
    def run(directory, feature, name):
        directory.mkdir()
        scenario = {
            "id": name,
            "feature": feature,
            "name": name,
            "verdict": "passed",
            "tags": [],
            "duration": 0.1,
        }
        summary = {"verdict": "passed", "totals": {"total": 1, "passed": 1}, "scenarios": [scenario]}
        (directory / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
        return directory

    talk = run(tmp_path / "talk", "The welcome message of a recording server", "no such scenario")
    recording_server = run(
        tmp_path / "rec", "The recording server's welcome", "The welcome document tells the version"
    )
    page = build_site(tmp_path / "site", [talk, recording_server]).read_text(encoding="utf-8")
    assert "recording_server/welcome.feature" in page
    assert "R1: A signed body that is not JSON" in page
    start = page.index("The welcome document tells the version")
    assert "verdict-passed" in page[start : start + 2000]
