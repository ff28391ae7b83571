"""Findings of the fuzzer against the reference server and contract, kept as regression tests until fixed."""

import pytest
import requests

from conformance.contract import ContractViolation, load_contract
from conformance.embedded_server import EmbeddedServer

OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}


@pytest.mark.xfail(
    strict=True,
    raises=ContractViolation,
    reason="GET /recording/welcome/-1 answers 400 {'error': 'serverId'} (Nextcloud's range check, "
    "talk-behaviour §0.3), but the contract documents no 400 for recording-get-welcome-message",
)
def test_welcome_with_a_negative_server_id_answers_a_documented_response():
    with EmbeddedServer() as server:
        response = requests.get(
            f"{server.url}/ocs/v2.php/apps/spreed/api/v1/recording/welcome/-1",
            auth=("admin", "admin"),
            headers=OCS_HEADERS,
            timeout=10,
        )
    load_contract().check_response(response)
