"""Findings of the fuzzer against the reference server and the contract, kept as regression tests."""

import requests

from conformance.protocol._contract import load_contract
from conformance.target._embedded_server import EmbeddedServer

OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def test_welcome_with_a_negative_server_id_answers_a_documented_response():
    # Found by the coverage phase; Talk 22 showed it is a route miss (404, OCS 998): contract deviation X17.
    with EmbeddedServer() as server:
        response = requests.get(
            f"{server.url}/ocs/v2.php/apps/spreed/api/v1/recording/welcome/-1",
            auth=("admin", "admin"),
            headers=OCS_HEADERS,
            timeout=10,
        )
    load_contract().check_response(response)
    assert response.status_code == 404
    assert response.json()["ocs"]["meta"]["statuscode"] == 998
    assert response.json()["ocs"]["data"] == []
