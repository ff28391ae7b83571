import json

from conformance.fuzz._checks import envelope_problem, error_string_problem, server_error_problem


def ocs(status: str, statuscode: int, data, message: str = "") -> bytes:
    return json.dumps(
        {"ocs": {"meta": {"status": status, "statuscode": statuscode, "message": message}, "data": data}}
    ).encode()


def test_consistent_envelopes_pass():
    assert envelope_problem(200, ocs("ok", 200, None, "OK")) is None
    assert envelope_problem(400, ocs("failure", 400, {"error": "status"})) is None
    assert envelope_problem(401, ocs("failure", 997, [], "Current user is not logged in")) is None


def test_statuscode_must_match_the_http_status():
    assert "meta.statuscode" in envelope_problem(400, ocs("failure", 200, {"error": "status"}))
    # 997 belongs to the login 401 only
    assert "meta.statuscode" in envelope_problem(403, ocs("failure", 997, []))


def test_meta_status_is_ok_exactly_for_2xx():
    assert "meta.status" in envelope_problem(200, ocs("failure", 200, None))
    assert "meta.status" in envelope_problem(404, ocs("ok", 404, []))
    # Nextcloud's own answers: no route (404/998) and an uncaught exception (500/996), nowhere else
    assert envelope_problem(404, ocs("failure", 998, [])) is None
    assert envelope_problem(500, ocs("failure", 996, [])) is None
    assert "meta.statuscode" in envelope_problem(400, ocs("failure", 998, []))


XML_404 = b"<?xml version='1.0'?><ocs><meta><status>failure</status><statuscode>404</statuscode></meta></ocs>"
XML_500 = XML_404.replace(b"404", b"996")


def test_xml_envelopes_are_read_too():
    good = XML_404
    assert envelope_problem(404, good) is None
    assert "statuscode" in envelope_problem(500, good)


def test_only_the_documented_bodies_may_lack_an_envelope():
    assert envelope_problem(412, b'{"message":"CSRF check failed"}') is None
    assert envelope_problem(405, b"") is None
    assert "without an OCS envelope" in envelope_problem(200, b'{"ok": true}')
    assert "without an OCS envelope" in envelope_problem(400, b"Bad Request")


API = "http://127.0.0.1:9/ocs/v2.php/apps/spreed/api/v1/recording"


def test_error_strings_are_the_ones_the_contract_documents_for_operation_and_status():
    call = ocs("failure", 400, {"error": "call"})
    assert error_string_problem("POST", f"{API}/abcdefgh", 400, call) is None
    stop = error_string_problem("DELETE", f"{API}/abcdefgh", 400, call)
    assert "does not document" in stop
    e2 = {"type": "error", "error": {"code": "no_such_room", "message": "Room not found."}}
    assert error_string_problem("POST", f"{API}/backend", 404, ocs("failure", 404, e2)) is None
    # documented for the operation, but for another status
    assert error_string_problem("POST", f"{API}/backend", 400, ocs("failure", 400, e2)) is not None
    e2["error"]["code"] = "room_missing"
    assert error_string_problem("POST", f"{API}/backend", 404, ocs("failure", 404, e2)) is not None


def test_welcome_may_pass_an_exception_code_through():
    body = ocs("failure", 500, {"error": "28"})
    assert error_string_problem("GET", f"{API}/welcome/0", 500, body) is None


def test_only_registered_server_errors_pass():
    assert server_error_problem("start", 500, ocs("failure", 996, [])) is None
    # Talk 22 lets the recording server's failure escape: OCS 996, not a controller's 500.
    assert server_error_problem("start", 500, ocs("failure", 500, [])) is not None
    assert server_error_problem("stop", 500, XML_500) is None
    assert server_error_problem("welcome", 500, ocs("failure", 500, {"error": "CAN_NOT_CONNECT"})) is None
    assert "unregistered" in server_error_problem("backend", 500, ocs("failure", 500, []))
    assert "unregistered" in server_error_problem("store", 502, b"")
    assert server_error_problem("welcome", 500, ocs("failure", 500, {"error": "oops"})) is not None
