"""conformance.protocol: responses that follow the contract pass, the others raise ContractViolation."""

from __future__ import annotations

import json
import shutil

import pytest
import requests
import yaml

from conformance import resources
from conformance.protocol._contract import Cell, Contract, ContractViolation, load_contract

OCS_PREFIX = "/ocs/v2.php/apps/spreed/api/v1"


def ocs(status: str, statuscode: int, data: object, message: str = "") -> str:
    meta = {"status": status, "statuscode": statuscode, "message": message}
    return json.dumps({"ocs": {"meta": meta, "data": data}})


def e2(code: str, message: str) -> dict[str, object]:
    return {"type": "error", "error": {"code": code, "message": message}}


NOT_AUTHENTICATED = e2("invalid_request", "The request could not be authenticated.")
WEB_ROOT_PREFIX = "/nextcloud/ocs/v2.php/apps/spreed/api/v1"


SUCCESS = ocs("ok", 200, None, "OK")
DATETIME = "Value provided for dateTime is not valid"
ROUTE_MISS_MESSAGE = "Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n"
LOGIN_REQUIRED = ocs("failure", 997, [], "Current user is not logged in")


@pytest.fixture(scope="module")
def contract():
    return load_contract()


# --- responses that must pass ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("POST", "/recording/abcdefgh", 200, SUCCESS),
        ("POST", "/recording/abcdefgh", 400, ocs("failure", 400, {"error": "call"})),
        ("POST", "/recording/abcdefgh", 401, LOGIN_REQUIRED),
        ("POST", "/recording/abcdefgh", 500, ocs("failure", 996, [], "Internal Server Error\n")),
        ("POST", "/recording/abcdefgh", 500, ocs("failure", 996, [], "Internal Server Error\nClient error")),
        ("DELETE", "/recording/abcdefgh", 404, ocs("failure", 404, [])),
        ("DELETE", "/recording/ABC", 404, ocs("failure", 998, [], ROUTE_MISS_MESSAGE)),
        ("POST", "/recording/%C2%84/store", 404, ocs("failure", 998, [], ROUTE_MISS_MESSAGE)),
        (
            "POST",
            "/recording/abcdefgh/store",
            401,
            ocs(
                "failure",
                401,
                NOT_AUTHENTICATED,
            ),
        ),
        ("POST", "/recording/abcdefgh/store", 429, ocs("failure", 429, [], "Reached maximum delay")),
        (
            "POST",
            "/recording/backend",
            400,
            ocs(
                "failure",
                400,
                e2("unknown_type", 'The given type {"a":1} is not supported.'),
            ),
        ),
        ("POST", "/recording/backend", 412, json.dumps({"message": "CSRF check failed"})),
        ("DELETE", "/recording/abcdefgh/notification?timestamp=7", 200, SUCCESS),
        ("DELETE", "/recording/abcd/notification?timestamp=0", 400, ocs("failure", 400, {"error": DATETIME})),
        ("POST", "/recording/abcdefgh/share-chat", 400, ocs("failure", 400, {"error": "fileId"})),
        ("GET", "/recording/welcome/0", 200, ocs("ok", 200, {"version": "0.2.1"}, "OK")),
        ("GET", "/recording/welcome/3", 404, ocs("failure", 404, None)),
        ("GET", "/recording/welcome/-1", 404, ocs("failure", 998, [], ROUTE_MISS_MESSAGE)),
        ("GET", "/recording/welcome/0", 500, ocs("failure", 500, {"error": "CAN_NOT_CONNECT"})),
    ],
)
def test_documented_responses_pass(contract, replay, method, path, status, body):
    response = replay.exchange(method, path, status, body)
    assert contract.check_response(response) is None


def test_xml_is_checked_for_its_status_only(contract, replay):
    xml = "application/xml; charset=utf-8"
    response = replay.exchange("POST", "/recording/abcdefgh", 400, "<ocs><meta/></ocs>", xml)
    contract.check_response(response)


def test_xml_with_an_undocumented_status_fails(contract, replay):
    response = replay.exchange("POST", "/recording/abcdefgh", 502, "<ocs/>", "application/xml")
    with pytest.raises(ContractViolation, match=r"recording-start .* HTTP 502: status not documented"):
        contract.check_response(response)


def test_a_nextcloud_below_a_web_root_maps_to_the_same_operation(contract, replay):
    response = replay.exchange("POST", "/recording/abcdefgh", 200, SUCCESS, prefix=WEB_ROOT_PREFIX)
    contract.check_response(response)


# --- responses that must fail ---------------------------------------------------------------------------


def test_undocumented_error_string(contract, replay):
    response = replay.exchange("POST", "/recording/abcdefgh", 400, ocs("failure", 400, {"error": "lobby"}))
    with pytest.raises(ContractViolation) as raised:
        contract.check_response(response)
    message = str(raised.value)
    assert "recording-start" in message
    assert "POST /recording/abcdefgh" in message
    assert "$.ocs.data.error" in message
    assert "'lobby'" in message


def test_undocumented_e2_code(contract, replay):
    body = ocs("failure", 404, e2("room_gone", "Room not found."))
    response = replay.exchange("POST", "/recording/backend", 404, body)
    with pytest.raises(ContractViolation, match=r"recording-backend .*\$\.ocs\.data\.error\.code"):
        contract.check_response(response)


@pytest.mark.parametrize(
    "message",
    ['The given type {"type":"paused"} is not supported.', "The given type null is not supported.",
     "The given request is not supported."],
)  # fmt: skip
def test_unknown_type_message_of_either_release_passes(contract, replay, message):
    """Talk 22 names the decoded body, Talk 23 says "request" (register X43)."""
    response = replay.exchange(
        "POST", "/recording/backend", 400, ocs("failure", 400, e2("unknown_type", message))
    )
    contract.check_response(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/recording/abcdefgh"), ("DELETE", "/recording/abcdefgh/notification"),
     ("POST", "/recording/abcdefgh/share-chat")],
)  # fmt: skip
def test_talk_23_empty_text_html_400_is_documented_where_talk_23_gives_it(contract, replay, method, path):
    """The framework's refusal of a missing parameter (register X45): 400, empty body, text/html."""
    response = replay.exchange(method, path, 400, "", "text/html; charset=UTF-8")
    contract.check_response(response)


def test_unknown_type_message_must_have_the_upstream_wording(contract, replay):
    body = ocs("failure", 400, e2("unknown_type", "bad type"))
    response = replay.exchange("POST", "/recording/backend", 400, body)
    with pytest.raises(ContractViolation, match=r"recording-backend .*\$\.ocs\.data\.error\.message"):
        contract.check_response(response)


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (200, json.dumps({"meta": {"status": "ok"}, "data": None}), r"'ocs' is a required property"),
        (200, ocs("ok", 200, [], "OK"), r"\$\.ocs\.data"),
        (200, ocs("ok", 200, None, "OK")[:-1] + ', "extra": 1}', r"extra"),
        (400, ocs("ok", 400, {"error": "status"}), r"meta\.status is 'ok', expected 'failure'"),
        (200, ocs("failure", 200, None), r"meta\.status is 'failure', expected 'ok'"),
        (403, ocs("failure", 403, {"error": "forbidden"}), r"\$\.ocs\.data"),
        (401, ocs("failure", 997, [], "Unauthorized"), r"\$\.ocs\.meta\.message"),
        (412, ocs("failure", 412, []), r"412"),
    ],
    ids=[
        "no-envelope",
        "success-data-list",
        "extra-key",
        "ok-on-400",
        "failure-on-200",
        "error-on-403",
        "login-message",
        "csrf-with-envelope",
    ],
)
def test_wrong_envelope(contract, replay, status, body, problem):
    response = replay.exchange("DELETE", "/recording/abcdefgh", status, body)
    with pytest.raises(ContractViolation, match=r"recording-stop") as raised:
        contract.check_response(response)
    assert raised.match(problem)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/recording/abcdefgh/store", 500),  # D7: the missing file part must not be a 500
        ("POST", "/recording/backend", 401),  # the backend refuses a signature with 403, not 401
        ("DELETE", "/recording/abcdefgh/notification?timestamp=1", 500),
        ("POST", "/recording/abcdefgh", 418),
    ],
)
def test_undocumented_status(contract, replay, method, path, status):
    response = replay.exchange(method, path, status, ocs("failure", status, []))
    operation_id = contract.operation_for(method, path).operation_id
    with pytest.raises(ContractViolation, match=rf"{operation_id} .* HTTP {status}: status not documented"):
        contract.check_response(response)


@pytest.mark.parametrize(
    ("status", "statuscode"),
    [(400, 200), (404, 400), (401, 401), (500, 500), (404, 996), (500, 998)],
)
def test_mismatched_statuscode(contract, replay, status, statuscode):
    data = {"error": "status"} if status == 400 else []
    response = replay.exchange("POST", "/recording/abcdefgh", status, ocs("failure", statuscode, data))
    with pytest.raises(ContractViolation, match=r"recording-start .*statuscode"):
        contract.check_response(response)


def test_store_401_must_not_carry_997(contract, replay):
    body = ocs("failure", 997, NOT_AUTHENTICATED)
    response = replay.exchange("POST", "/recording/abcdefgh/store", 401, body)
    with pytest.raises(ContractViolation, match=r"recording-store .*statuscode"):
        contract.check_response(response)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("", "application/json"), ("{not json", "application/json")],
)
def test_body_must_be_json_where_json_is_documented(contract, replay, body, content_type):
    response = replay.exchange("POST", "/recording/backend", 200, body, content_type)
    with pytest.raises(ContractViolation, match=r"recording-backend .*expected a JSON body"):
        contract.check_response(response)


def test_request_outside_the_contract(contract, replay):
    response = replay.exchange("GET", "/recording/abcdefgh", 405, "")
    with pytest.raises(ContractViolation, match=r"GET /recording/abcdefgh: no operation"):
        contract.check_response(response)


# --- lookup ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "operation_id"),
    [
        ("POST", "http://127.0.0.1:8080/ocs/v2.php/apps/spreed/api/v1/recording/abcdefgh", "recording-start"),
        ("delete", "/ocs/v2.php/apps/spreed/api/v1/recording/abcdefgh?format=json", "recording-stop"),
        ("POST", "/recording/backend", "recording-backend"),
        ("DELETE", "/recording/backend", "recording-stop"),  # backend is also a valid token (X13)
        ("POST", "/recording/backend/store", "recording-store"),
        # still its operation: the route-level 404 it earns is documented there
        ("POST", "/recording/NOT-A-TOKEN", "recording-start"),
        ("DELETE", "/recording/abcdefgh/notification", "recording-notification-dismiss"),
        ("POST", "/recording/abcdefgh/share-chat", "recording-share-to-chat"),
        (
            "GET",
            "http://127.0.0.1/sub" + OCS_PREFIX + "/recording/welcome/1",
            "recording-get-welcome-message",
        ),
    ],
)
def test_operation_for(contract, method, url, operation_id):
    assert contract.operation_for(method, url).operation_id == operation_id


@pytest.mark.parametrize(
    ("method", "url"),
    [("GET", "/recording/abcdefgh"), ("POST", "/recording"), ("POST", "/ocs/v2.php/apps/spreed/api/v4/room")],
)
def test_operation_for_unknown(contract, method, url):
    assert contract.operation_for(method, url) is None


def test_documented_errors(contract):
    start_errors = {"status", "recording", "call", "config", "classified"}
    assert contract.documented_errors("recording-start", 400) == start_errors
    assert contract.documented_errors("recording-stop", 400) == {"config"}
    assert contract.documented_errors("recording-backend", 400) == {"unknown_type", "config"}
    assert contract.documented_errors("recording-backend", 403) == {"invalid_request"}
    assert contract.documented_errors("recording-backend", 404) == {"no_such_room"}
    assert contract.documented_errors("recording-store", 401) == {"invalid_request"}
    share_errors = {"fileId", "timestamp", "file", "system", DATETIME}
    assert contract.documented_errors("recording-share-to-chat", 400) == share_errors
    assert contract.documented_errors("recording-notification-dismiss", 400) == {"timestamp", DATETIME}
    assert "CAN_NOT_CONNECT" in contract.documented_errors("recording-get-welcome-message", 500)
    assert 400 not in contract.operation("recording-get-welcome-message").statuses  # -1 is a route miss
    assert contract.documented_errors("recording-start", 401) == frozenset()
    assert contract.documented_errors("recording-start", 429) == frozenset()


def test_documented_errors_of_an_unknown_operation(contract):
    with pytest.raises(KeyError, match="recording-pause"):
        contract.documented_errors("recording-pause", 400)


def test_cells(contract):
    cells = contract.cells()
    assert len(cells) == len(set(cells))
    assert Cell("recording-store", 400, "empty_file") in cells
    assert Cell("recording-start", 401, None) in cells
    assert Cell("recording-backend", 404, "no_such_room") in cells
    # a status with error strings has no extra error-less cell
    assert Cell("recording-start", 400, None) not in cells
    assert {cell.operation_id for cell in cells} == {op.operation_id for op in contract.operations}


def test_load_contract_is_cached_and_takes_a_path(contract, tmp_path):
    assert load_contract() is contract
    copy = tmp_path / "recording.yaml"
    shutil.copy(resources.contract_path(), copy)
    document = yaml.safe_load(copy.read_text())
    document["components"]["schemas"]["StopError"]["properties"]["error"]["enum"] = ["config", "call"]
    copy.write_text(yaml.safe_dump(document))
    other = load_contract(copy)
    assert other is not contract
    assert other.documented_errors("recording-stop", 400) == {"config", "call"}
    assert load_contract(str(copy)) is other


def test_a_response_without_its_request_is_refused_plainly(contract):
    with pytest.raises(ValueError, match="no request"):
        contract.check_response(requests.Response())


# --- the media type is part of the answer ---------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/html; charset=UTF-8", None, "text/plain"])
def test_a_documented_json_answer_with_another_media_type_fails(contract, replay, content_type):
    body = ocs("failure", 400, {"error": "status"})
    response = replay.exchange("POST", "/recording/abcdefgh", 400, body, content_type)
    with pytest.raises(ContractViolation) as raised:
        contract.check_response(response)
    message = str(raised.value)
    shown = content_type.split(";")[0] if content_type else "(none)"
    assert "recording-start (POST /recording/abcdefgh) answered HTTP 400" in message
    assert f"Content-Type {shown}" in message and "application/json" in message


def _contract_documenting(content: dict) -> Contract:
    """A one-operation contract whose 400 answer documents exactly this `content`."""
    document = {
        "openapi": "3.1.0",
        "info": {"title": "fixture", "version": "1"},
        "servers": [{"url": "/ocs/v2.php/apps/spreed/api/v1"}],
        "paths": {
            "/recording/{token}": {
                "post": {
                    "operationId": "recording-start",
                    "responses": {"400": {"description": "x", "content": content}},
                }
            }
        },
    }
    return Contract(document)


def test_an_empty_text_html_answer_passes_where_the_contract_documents_it(replay):
    # Talk 23 refuses a missing required parameter in the framework: 400, text/html, an empty body.
    contract = _contract_documenting({"application/json": {"schema": {}}, "text/html": {}})
    response = replay.exchange("POST", "/recording/abcdefgh", 400, b"", "text/html; charset=UTF-8")
    assert contract.check_response(response) is None
    elsewhere = _contract_documenting({"application/json": {"schema": {}}})
    with pytest.raises(ContractViolation, match=r"HTTP 400 with Content-Type text/html"):
        elsewhere.check_response(response)


def test_a_wildcard_media_type_documents_its_family(replay):
    contract = _contract_documenting({"text/*": {}})
    response = replay.exchange("POST", "/recording/abcdefgh", 400, b"", "text/html")
    assert contract.check_response(response) is None
