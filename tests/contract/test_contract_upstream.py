"""Diff against upstream's generated OpenAPI: every operation and status is in ours or in the register."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance import resources
from conformance.protocol._contract import load_contract

UPSTREAM_PREFIX = "/ocs/v2.php/apps/spreed/api/{apiVersion}"


@pytest.fixture(scope="module")
def upstream(reference_dir: Path) -> dict[str, Any]:
    path = reference_dir / "upstream-openapi-recording.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return json.loads(path.read_text(encoding="utf-8"))


def upstream_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                found.append((method.upper(), path, operation))
    return found


def registered_cells() -> set[tuple[str, int]]:
    register = yaml.safe_load(resources.deviations_path().read_text(encoding="utf-8"))["deviations"]
    return {(cell["operation"], cell["status"]) for entry in register for cell in entry["cells"]}


def test_upstream_extract_has_the_seven_operations(upstream):
    assert len(upstream_operations(upstream)) == 7


def test_every_upstream_operation_is_ours_at_the_same_place(upstream):
    contract = load_contract()
    for method, path, operation in upstream_operations(upstream):
        assert path.startswith(UPSTREAM_PREFIX), path
        ours = contract.operation(operation["operationId"])
        assert ours.method == method
        assert ours.path == path.removeprefix(UPSTREAM_PREFIX)


def test_every_upstream_status_is_ours_or_registered(upstream):
    contract = load_contract()
    registered = registered_cells()
    missing = []
    for _, _, operation in upstream_operations(upstream):
        ours = contract.operation(operation["operationId"])
        for status in operation["responses"]:
            cell = (ours.operation_id, int(status))
            if int(status) not in ours.statuses and cell not in registered:
                missing.append(cell)
    assert not missing, f"upstream statuses neither documented nor registered: {missing}"


def test_upstream_parameters_are_ours(upstream):
    """Every upstream parameter but apiVersion exists in our operation (header names ignore case)."""
    contract = load_contract()
    document = contract.document
    for _, _, operation in upstream_operations(upstream):
        ours = contract.operation(operation["operationId"])
        item = document["paths"][ours.path]
        raw = item.get("parameters", []) + item[ours.method.lower()].get("parameters", [])
        names = set()
        for parameter in raw:
            if "$ref" in parameter:
                parameter = document["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
            names.add((parameter["in"], parameter["name"].lower()))
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "apiVersion":
                continue
            assert (parameter["in"], parameter["name"].lower()) in names, (
                operation["operationId"],
                parameter["name"],
            )


def test_upstream_token_pattern_is_ours(upstream):
    contract = load_contract()
    ours = contract.document["components"]["parameters"]["Token"]["schema"]["pattern"]
    for _, _, operation in upstream_operations(upstream):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "token":
                assert parameter["schema"]["pattern"] == ours


def test_upstream_body_fields_are_ours(upstream):
    """Fields of upstream request bodies exist in ours, whatever the media type (D18: store is multipart)."""
    contract = load_contract()
    schemas = contract.document["components"]["schemas"]
    for _, _, operation in upstream_operations(upstream):
        body = operation.get("requestBody")
        if not body:
            continue
        ours = contract.operation(operation["operationId"])
        our_body = contract.document["paths"][ours.path][ours.method.lower()]["requestBody"]["content"]
        our_fields = set()
        for media in our_body.values():
            schema = media["schema"]
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
            our_fields |= set(schema.get("properties", {}))
        for media in body["content"].values():
            for field in media["schema"].get("properties", {}):
                assert field in our_fields, (operation["operationId"], field)
