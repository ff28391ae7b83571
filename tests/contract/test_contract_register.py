"""openapi/deviations.yaml: every entry complete, D1-D21 present, cells naming real operations, releases."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from conformance import resources
from conformance.protocol._contract import Cell, load_contract
from conformance.traffic import shipped_recording_metadata, shipped_recording_names

FIELDS = {
    "id",
    "title",
    "docs_say",
    "upstream_does",
    "suite_requires",
    "why",
    "decision",
    "upstream_expected_to_fail",
    "releases",
    "cells",
}
DECISIONS = {"follow-upstream", "require-sane-4xx", "unreachable", "document-extra"}
OPTIONAL_FIELDS = {"observed", "per_release"}
OBSERVED_FIELDS = {"request", "status", "statuscode", "message"}
OPTIONAL_OBSERVED_FIELDS = {"error", "content_type", "system_messages"}
# The Talk releases the suite knows: those of the shipped real recordings.
KNOWN_RELEASES = {shipped_recording_metadata(name)["talk_release"] for name in shipped_recording_names()}


def load_register() -> list[dict[str, Any]]:
    text = resources.deviations_path().read_text(encoding="utf-8")
    return yaml.safe_load(text)["deviations"]


REGISTER = load_register()


def test_register_starts_with_a_header_explaining_the_rule():
    text = resources.deviations_path().read_text(encoding="utf-8")
    assert text.startswith("#")
    assert "require a sane 4xx" in text.split("deviations:", 1)[0]


def test_all_discrepancies_of_the_behaviour_notes_are_registered():
    ids = [entry["id"] for entry in REGISTER]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert {f"D{number}" for number in range(1, 22)} <= set(ids)


@pytest.mark.parametrize("entry", REGISTER, ids=lambda entry: entry["id"])
def test_entry_is_complete(entry):
    assert set(entry) - OPTIONAL_FIELDS == FIELDS
    for field in FIELDS - {"upstream_expected_to_fail", "cells", "releases"}:
        assert isinstance(entry[field], str), f"{entry['id']}.{field} is not text"
        assert entry[field].strip(), f"{entry['id']}.{field} is empty"
    assert entry["decision"] in DECISIONS
    assert isinstance(entry["upstream_expected_to_fail"], bool)
    assert isinstance(entry["cells"], list)
    assert entry["cells"], f"{entry['id']} names no cell"


def observations(entry: dict[str, Any]) -> dict[int | None, dict[str, Any]]:
    """The entry's observations by release (None: one observation for every release of the entry)."""
    if "per_release" in entry:
        return dict(entry["per_release"])
    return {None: entry["observed"]} if "observed" in entry else {}


def test_the_suite_knows_the_releases_of_its_recordings():
    assert {22, 23} == KNOWN_RELEASES


@pytest.mark.parametrize("entry", REGISTER, ids=lambda entry: entry["id"])
def test_every_entry_names_the_releases_it_holds_for(entry):
    releases = entry["releases"]
    assert isinstance(releases, list) and releases == sorted(set(releases)), entry["id"]
    assert releases and set(releases) <= KNOWN_RELEASES, entry["id"]


@pytest.mark.parametrize(
    "entry", [entry for entry in REGISTER if "per_release" in entry], ids=lambda entry: entry["id"]
)
def test_per_release_observations_are_for_releases_that_answer_differently(entry):
    assert "observed" not in entry, f"{entry['id']}: observed and per_release exclude each other"
    per_release = entry["per_release"]
    assert sorted(per_release) == entry["releases"], entry["id"]
    answers = {(item["status"], item["statuscode"], item.get("error")) for item in per_release.values()}
    messages = {item["message"] for item in per_release.values()}
    assert len(answers) > 1 or len(messages) > 1, f"{entry['id']}: the releases answer alike, use observed"


@pytest.mark.parametrize(
    ("entry", "release"),
    [(entry, release) for entry in REGISTER for release in observations(entry)],
    ids=lambda value: value["id"] if isinstance(value, dict) else str(value),
)
def test_observed_answer_is_quoted_whole(entry, release):
    observed = observations(entry)[release]
    missing = OBSERVED_FIELDS - set(observed)
    assert not missing, f"{entry['id']}.observed lacks {missing}"
    assert not set(observed) - OBSERVED_FIELDS - OPTIONAL_OBSERVED_FIELDS, entry["id"]
    assert isinstance(observed["status"], int)
    # null: the answer had no OCS envelope (Talk 23's framework 400 with an empty body)
    assert observed["statuscode"] is None or isinstance(observed["statuscode"], int)
    if observed["statuscode"] is None:
        assert observed.get("content_type") and "error" not in observed, entry["id"]
    assert isinstance(observed["request"], str) and isinstance(observed["message"], str)


def test_every_require_sane_4xx_entry_quotes_the_real_answer():
    """A stricter requirement is only kept where a real server crashed or answered without a reason: that
    answer must be on record, for at least one release of the entry."""
    for entry in REGISTER:
        if entry["decision"] == "require-sane-4xx":
            answers = observations(entry).values()
            assert any(item["status"] == 500 or item["statuscode"] is None for item in answers), entry["id"]


@pytest.mark.parametrize("entry", REGISTER, ids=lambda entry: entry["id"])
def test_cells_name_existing_operations(entry):
    contract = load_contract()
    operation_ids = {operation.operation_id for operation in contract.operations}
    for cell in entry["cells"]:
        assert set(cell) == {"operation", "status", "error"}, cell
        assert cell["operation"] in operation_ids, cell
        assert isinstance(cell["status"], int), cell
        assert 100 <= cell["status"] <= 599, cell
        assert cell["error"] is None or isinstance(cell["error"], str), cell


@pytest.mark.parametrize("entry", REGISTER, ids=lambda entry: entry["id"])
def test_decision_and_expectation_agree(entry):
    if entry["decision"] == "require-sane-4xx":
        # the suite only departs from upstream where upstream misbehaves
        assert entry["upstream_expected_to_fail"] is True
        demanded = [cell for cell in entry["cells"] if 400 <= cell["status"] < 500]
        assert demanded, f"{entry['id']} requires a 4xx but names none"
    else:
        assert entry["upstream_expected_to_fail"] is False


@pytest.mark.parametrize(
    "entry",
    [entry for entry in REGISTER if entry["decision"] == "require-sane-4xx"],
    ids=lambda entry: entry["id"],
)
def test_required_4xx_cells_are_in_the_contract(entry):
    contract = load_contract()
    documented = set(contract.cells())
    for cell in entry["cells"]:
        if 400 <= cell["status"] < 500 and cell["error"] is None:
            # a release's answer without a reason (Talk 23's empty 400): its status must be documented
            assert cell["status"] in contract.operation(cell["operation"]).statuses, cell
        elif 400 <= cell["status"] < 500 and cell["error"] != "no_file":
            assert Cell(cell["operation"], cell["status"], cell["error"]) in documented, cell


def test_upstream_5xx_for_malformed_input_are_not_documented():
    """A 5xx named by a require-sane-4xx entry is upstream's defect; the contract must not allow it, unless
    another entry documents that status for a legitimate reason (the recording server failed)."""
    contract = load_contract()
    legitimate = {
        (cell["operation"], cell["status"])
        for entry in REGISTER
        if entry["decision"] != "require-sane-4xx"
        for cell in entry["cells"]
        if cell["status"] >= 500
    }
    assert legitimate == {
        ("recording-start", 500),
        ("recording-stop", 500),
        ("recording-get-welcome-message", 500),
    }
    for entry in REGISTER:
        if entry["decision"] != "require-sane-4xx":
            continue
        for cell in entry["cells"]:
            if cell["status"] >= 500 and (cell["operation"], cell["status"]) not in legitimate:
                operation = contract.operation(cell["operation"])
                assert cell["status"] not in operation.statuses, (entry["id"], cell)


@pytest.mark.parametrize(
    "entry",
    [entry for entry in REGISTER if entry["decision"] == "unreachable"],
    ids=lambda entry: entry["id"],
)
def test_unreachable_entries_explain_why(entry):
    assert entry["why"].strip()
    assert all(cell["status"] >= 400 for cell in entry["cells"])
