"""The recording-server section of openapi/deviations.yaml and the upstream expectations derived from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conformance import resources
from conformance.target._expectations import load_expectations

REGISTER = yaml.safe_load(resources.deviations_path().read_text(encoding="utf-8"))[
    "recording_server_deviations"
]
FIELDS = {
    "id",
    "title",
    "upstream_does",
    "suite_requires",
    "why",
    "decision",
    "upstream_expected_to_fail",
    "scenarios",
}
EXPECTATIONS = Path(resources.__file__).parent / "expectations" / "nextcloud-talk-recording-upstream.yaml"
FEATURES = resources.features_dir() / "recording_server"


def scenario_titles(feature: str) -> set[str]:
    text = (FEATURES / feature).read_text(encoding="utf-8")
    return {match[1].strip() for match in re.finditer(r"^\s*Scenario(?: Outline)?: (.+)$", text, re.M)}


@pytest.mark.parametrize("entry", REGISTER, ids=[entry["id"] for entry in REGISTER])
def test_entry_is_complete_and_names_real_scenarios(entry):
    assert set(entry) == FIELDS
    assert re.fullmatch(r"R\d+", entry["id"])
    assert entry["decision"] in {"follow-upstream", "require-sane-4xx", "unreachable", "document-extra"}
    for reference in entry["scenarios"]:
        feature, title = reference.split(": ", 1)
        assert title in scenario_titles(feature), reference


def test_ids_are_in_order_without_gaps():
    assert [entry["id"] for entry in REGISTER] == [f"R{number}" for number in range(1, len(REGISTER) + 1)]


def test_the_upstream_expectations_are_the_entries_upstream_is_expected_to_fail():
    expected = {
        (reference.split(": ", 1)[0], reference.split(": ", 1)[1], entry["id"])
        for entry in REGISTER
        if entry["upstream_expected_to_fail"]
        for reference in entry["scenarios"]
    }
    listed = {
        (item.feature, item.scenario, item.reason.split(":", 1)[0])
        for item in load_expectations(EXPECTATIONS, pinned=False).entries
    }
    assert listed == expected
    assert all(
        entry["decision"] == "require-sane-4xx" for entry in REGISTER if entry["upstream_expected_to_fail"]
    )
