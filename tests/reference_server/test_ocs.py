"""OCS envelope and JSON/XML negotiation, route misses, 405s."""

import requests
from reference_helpers import RECORDING, TALK

AUTH = ("participant1", "123456")


def get_room(server, token, **kwargs):
    headers = {"OCS-APIRequest": "true", **kwargs.pop("headers", {})}
    return requests.get(f"{server.url}{TALK}/room/{token}", auth=AUTH, headers=headers, timeout=10, **kwargs)


def test_xml_is_the_default(talk, server):
    token = talk.room()
    response = get_room(server, token)
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert response.text.startswith('<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>ok</status>')
    assert f"<token>{token}</token>" in response.text


def test_accept_and_format_parameter(talk, server):
    token = talk.room()
    assert (
        get_room(server, token, headers={"Accept": "application/json"}).json()["ocs"]["data"]["token"]
        == token
    )
    first_match = get_room(
        server, token, headers={"Accept": "text/html, application/xml;q=0.1, application/json"}
    )
    assert first_match.headers["content-type"].startswith("application/xml")
    forced = get_room(server, token, headers={"Accept": "application/xml"}, params={"format": "json"})
    assert forced.headers["content-type"].startswith("application/json")
    assert (
        get_room(server, token, headers={"Accept": "*/*"})
        .headers["content-type"]
        .startswith("application/xml")
    )


def test_json_escapes_like_php(talk, server):
    response = talk.session("participant1").post(
        f"{server.url}{TALK}/room", data={"roomType": 2, "roomName": "a/b <c> é"}
    )
    assert '"name":"a\\/b \\u003Cc\\u003E \\u00e9"' in response.text


def test_route_misses_are_404_with_statuscode_998(server):
    # Talk 22 / Nextcloud 32: the router's answer, negotiated like any other (JSON when asked for).
    headers = {"OCS-APIRequest": "true", "Accept": "application/json"}
    for path in (
        f"{RECORDING}/ABCDEFGH",
        f"{RECORDING}/abc",
        "ocs/v2.php/apps/spreed/api/v2/recording/abcdefgh",
        f"{RECORDING}/{'a' * 31}",
        f"{RECORDING}/welcome/-1",
        "ocs/v2.php/nothing",
    ):
        response = requests.post(server.url + path, auth=AUTH, headers=headers, timeout=10)
        assert response.status_code == 404, path
        meta, data = response.json()["ocs"]["meta"], response.json()["ocs"]["data"]
        assert (meta["statuscode"], data) == (998, []), path
        assert meta["message"].startswith("Invalid query, please check the syntax.")
    as_xml = requests.post(f"{server.url}{RECORDING}/abc", auth=AUTH, timeout=10)
    assert "<statuscode>998</statuscode>" in as_xml.text


def test_known_path_wrong_method_is_405_with_empty_body(server):
    response = requests.put(f"{server.url}{RECORDING}/abcdefgh", auth=AUTH, timeout=10)
    assert (response.status_code, response.content) == (405, b"")
    assert requests.get(f"{server.url}{RECORDING}/backend", timeout=10).status_code == 405


def test_middleware_errors_follow_negotiation(talk, server):
    response = requests.post(
        f"{server.url}{RECORDING}/abcdefgh", headers={"OCS-APIRequest": "true"}, timeout=10
    )
    assert response.status_code == 401
    assert "<statuscode>997</statuscode>" in response.text
    assert "<message>Current user is not logged in</message>" in response.text


def test_error_reason_in_xml(talk, recording_room, server):
    response = requests.post(
        f"{server.url}{RECORDING}/{recording_room}",
        data={"status": 9},
        auth=AUTH,
        headers={"OCS-APIRequest": "true"},
        timeout=10,
    )
    assert response.status_code == 400
    assert "<data>\n  <error>status</error>\n </data>" in response.text
