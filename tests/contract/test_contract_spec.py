"""openapi/recording.yaml: valid OpenAPI 3.1, walkable by schemathesis, strict where it matters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance import resources
from conformance.protocol._contract import load_contract

OPERATION_IDS = {
    "recording-start",
    "recording-stop",
    "recording-store",
    "recording-notification-dismiss",
    "recording-share-to-chat",
    "recording-backend",
    "recording-get-welcome-message",
}
URI = "urn:test:recording"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load(resources.contract_path().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry(document) -> Registry:
    return Registry().with_resource(URI, Resource.from_contents(document, default_specification=DRAFT202012))


def schema_validator(registry: Registry, pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{URI}#{pointer}"}, registry=registry)


def escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def operations(document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in ("get", "post", "delete"):
            if method in item:
                yield path, method, item[method]


def resolve(document, node: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Follow a local $ref; return the pointer it named (None when inline) and the target."""
    if "$ref" not in node:
        return None, node
    pointer = node["$ref"].removeprefix("#")
    target: Any = document
    for part in pointer.lstrip("/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return pointer, target


def responses(document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(operationId, status, pointer of the response) for every documented response."""
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            pointer, _ = resolve(document, response)
            yield (
                operation["operationId"],
                status,
                pointer or f"/paths/{escape(path)}/{method}/responses/{status}",
            )


def test_spec_passes_openapi_spec_validator(document):
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "/ocs/v2.php/apps/spreed/api/v1"}]


def test_every_upstream_operation_id_is_there_and_nothing_else(document):
    assert {operation["operationId"] for _, _, operation in operations(document)} == OPERATION_IDS


def test_token_pattern_is_the_route_requirement(document):
    assert document["components"]["parameters"]["Token"]["schema"]["pattern"] == "^[a-z0-9]{4,30}$"


def test_every_operation_requires_the_ocs_api_request_header(document):
    for _, _, operation in operations(document):
        path_parameters = [p for p in document["paths"].values() if operation in p.values()][0]["parameters"]
        names = {resolve(document, p)[1]["name"]: resolve(document, p)[1] for p in path_parameters}
        header = names["OCS-APIRequest"]
        assert header["in"] == "header"
        assert header["required"] is True
        assert header["schema"] == {"type": "string", "const": "true"}


@pytest.mark.parametrize("operation_id", ["recording-store", "recording-backend"])
def test_signed_operations_need_both_signature_headers_and_no_login(document, operation_id):
    operation = next(op for _, _, op in operations(document) if op["operationId"] == operation_id)
    assert operation["security"] == []
    headers = {resolve(document, p)[1]["name"]: resolve(document, p)[1] for p in operation["parameters"]}
    random, checksum = headers["Talk-Recording-Random"], headers["Talk-Recording-Checksum"]
    assert random["required"] and checksum["required"]
    assert random["schema"]["minLength"] == 32
    assert checksum["schema"]["pattern"] == "^[0-9a-fA-F]{64}$"
    assert "HMAC-SHA256" in checksum["description"]


def test_user_operations_use_basic_auth(document):
    assert document["components"]["securitySchemes"]["basic_auth"] == {
        "type": "http",
        "scheme": "basic",
        "description": document["components"]["securitySchemes"]["basic_auth"]["description"],
    }
    for _, _, operation in operations(document):
        if operation["operationId"] not in {"recording-store", "recording-backend"}:
            assert operation["security"] == [{"basic_auth": []}]


def test_every_response_has_an_example_that_matches_its_schema(document, registry):
    checked = 0
    for operation_id, status, pointer in responses(document):
        _, response = resolve(document, {"$ref": "#" + pointer})
        media = response["content"]["application/json"]
        examples = (
            [media["example"]] if "example" in media else [e["value"] for e in media["examples"].values()]
        )
        assert examples, f"{operation_id} {status} has no example"
        validator = schema_validator(registry, f"{pointer}/content/application~1json/schema")
        for example in examples:
            errors = [error.message for error in validator.iter_errors(example)]
            assert not errors, f"{operation_id} {status}: example does not match its schema: {errors}"
            checked += 1
    assert checked >= 50


def test_every_400_has_a_closed_set_of_error_strings():
    contract = load_contract()
    for operation in contract.operations:
        if 400 in operation.statuses:
            assert contract.documented_errors(operation.operation_id, 400), operation.operation_id


def test_the_only_documented_5xx_are_the_registered_ones():
    contract = load_contract()
    five_hundreds = {(cell.operation_id, cell.status) for cell in contract.cells() if cell.status >= 500}
    assert five_hundreds == {
        ("recording-start", 500),
        ("recording-stop", 500),
        ("recording-get-welcome-message", 500),
    }


def test_recording_status_names_every_state(document):
    status = document["components"]["schemas"]["RecordingStatus"]
    assert status["enum"] == [0, 1, 2, 3, 4, 5]
    assert status["x-enum-varnames"] == [
        "NONE",
        "VIDEO",
        "AUDIO",
        "STARTING_VIDEO",
        "STARTING_AUDIO",
        "FAILED",
    ]


@pytest.mark.parametrize(
    ("schema", "body", "valid"),
    [
        ("StartRequest", {"status": 1}, True),
        ("StartRequest", {"status": 2}, True),
        ("StartRequest", {"status": 3}, False),
        ("StartRequest", {}, False),
        (
            "BackendRequest",
            {
                "type": "started",
                "started": {"token": "abcd", "status": 1, "actor": {"type": "users", "id": "a"}},
            },
            True,
        ),
        ("BackendRequest", {"type": "started", "started": {"token": "abcd", "status": 1}}, False),
        (
            "BackendRequest",
            {"type": "started", "started": {"token": "abcd", "status": 6, "actor": {"type": "u", "id": "a"}}},
            False,
        ),
        ("BackendRequest", {"type": "stopped", "stopped": {"token": "abcd"}}, True),
        (
            "BackendRequest",
            {"type": "stopped", "stopped": {"token": "abcd", "actor": {"type": "users", "id": "a"}}},
            True,
        ),
        ("BackendRequest", {"type": "failed", "failed": {"token": "abcd"}}, True),
        ("BackendRequest", {"type": "paused", "paused": {"token": "abcd"}}, False),
        ("BackendRequest", {"type": "failed"}, False),
        ("ShareRequest", {"fileId": 0, "timestamp": 1}, True),
        ("ShareRequest", {"fileId": 0, "timestamp": -1}, True),  # Talk 22 accepts it (X22)
        ("ShareRequest", {"fileId": 0, "timestamp": 0}, False),  # "Value provided for dateTime is not valid"
        ("ShareRequest", {"fileId": -1, "timestamp": 1}, False),
        ("ShareRequest", {"fileId": 1}, False),
    ],
)
def test_request_schemas(registry, schema, body, valid):
    validator = schema_validator(registry, f"/components/schemas/{schema}")
    assert validator.is_valid(body) is valid


def test_backend_body_is_discriminated_by_type(document):
    backend = document["components"]["schemas"]["BackendRequest"]
    assert backend["discriminator"]["propertyName"] == "type"
    assert set(backend["discriminator"]["mapping"]) == {"started", "stopped", "failed"}


def test_store_is_a_multipart_upload(document):
    body = document["paths"]["/recording/{token}/store"]["post"]["requestBody"]["content"]
    assert set(body) == {"multipart/form-data"}
    _, schema = resolve(document, body["multipart/form-data"]["schema"])
    assert schema["required"] == ["owner", "file"]
    assert schema["properties"]["file"]["format"] == "binary"


def test_start_accepts_form_and_json(document):
    body = document["paths"]["/recording/{token}"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/x-www-form-urlencoded", "application/json"}


# --- schemathesis -----------------------------------------------------------------------------------------


@pytest.fixture
def loaded_schema(replay):
    schema = schemathesis.openapi.from_path(str(resources.contract_path()))
    schema.config.update(base_url=replay.base_url + "/ocs/v2.php/apps/spreed/api/v1")
    return schema


def test_schemathesis_loads_every_operation(loaded_schema):
    labels = {result.ok().label for result in loaded_schema.get_all_operations()}
    assert labels == {
        "POST /recording/{token}",
        "DELETE /recording/{token}",
        "POST /recording/{token}/store",
        "DELETE /recording/{token}/notification",
        "POST /recording/{token}/share-chat",
        "POST /recording/backend",
        "GET /recording/welcome/{serverId}",
    }


def test_schemathesis_sees_the_lifecycle_links(loaded_schema):
    assert loaded_schema.operations_with_incoming_links() == {
        "POST /recording/backend",
        "DELETE /recording/{token}",
    }
    assert loaded_schema.as_state_machine() is not None


def test_schemathesis_follows_the_links(loaded_schema, replay):
    """Against a server accepting everything, the state machine walks start -> backend -> stop -> backend."""
    replay.server.canned = (
        200,
        "application/json",
        b'{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":null}}',
    )
    followed: set[str] = set()

    class Workflow(loaded_schema.as_state_machine()):
        def step(self, input):  # noqa: A002 - schemathesis' parameter name
            if input.transition is not None and input.is_applied:
                followed.add(input.transition.id)
            return super().step(input)

        def validate_response(self, response, case, **kwargs):
            pass  # the replay server answers 200 to everything; only the walk matters here

    Workflow.run(
        settings=settings(
            max_examples=40,
            stateful_step_count=4,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    names = {transition.split(" -> ")[1].split("] ", 1)[1] for transition in followed}
    assert names & {"RecordingStarted", "RecordingFailed"}, f"start -> backend never followed: {followed}"
    assert names & {"StopAfterStarted", "StopAfterFailed"}, f"backend -> stop never followed: {followed}"
    assert "RecordingStopped" in names, f"stop -> backend never followed: {followed}"
