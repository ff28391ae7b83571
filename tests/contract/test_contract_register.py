"""openapi/deviations.yaml: every entry complete, D1-D21 present, cells naming real operations."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from conformance import resources
from conformance.contract import Cell, load_contract

FIELDS = {
    "id",
    "title",
    "docs_say",
    "upstream_does",
    "suite_requires",
    "why",
    "decision",
    "upstream_expected_to_fail",
    "cells",
}
DECISIONS = {"follow-upstream", "require-sane-4xx", "unreachable", "document-extra"}
OPTIONAL_FIELDS = {"observed"}
OBSERVED_FIELDS = {"request", "status", "statuscode", "message"}


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
    for field in FIELDS - {"upstream_expected_to_fail", "cells"}:
        assert isinstance(entry[field], str), f"{entry['id']}.{field} is not text"
        assert entry[field].strip(), f"{entry['id']}.{field} is empty"
    assert entry["decision"] in DECISIONS
    assert isinstance(entry["upstream_expected_to_fail"], bool)
    assert isinstance(entry["cells"], list)
    assert entry["cells"], f"{entry['id']} names no cell"


@pytest.mark.parametrize(
    "entry", [entry for entry in REGISTER if "observed" in entry], ids=lambda entry: entry["id"]
)
def test_observed_answer_is_quoted_whole(entry):
    observed = entry["observed"]
    missing = OBSERVED_FIELDS - set(observed)
    assert not missing, f"{entry['id']}.observed lacks {missing}"
    assert isinstance(observed["status"], int) and isinstance(observed["statuscode"], int)
    assert isinstance(observed["request"], str) and isinstance(observed["message"], str)


def test_every_require_sane_4xx_entry_quotes_the_real_answer():
    """A stricter requirement is only kept where the real server crashed: the crash must be on record."""
    for entry in REGISTER:
        if entry["decision"] == "require-sane-4xx":
            assert entry.get("observed", {}).get("status") == 500, entry["id"]


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
        if 400 <= cell["status"] < 500 and cell["error"] != "no_file":
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
