"""openapi/recording-server.yaml: valid OpenAPI 3.1, fitting the suite's requests and upstream's reports."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from conformance.recording_server_suite._contract import load_spec, report_problem, schema_problem
from conformance.recording_server_suite._talk_requests import start_message, stop_message, talk_json


def test_the_description_is_valid_openapi_3_1():
    spec = load_spec()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_the_requests_the_suite_sends_as_talk_fit_it():
    for status in (1, 2):
        assert (
            schema_problem(
                "StartRequest", json.loads(talk_json(start_message(status, "alice", "users", "alice")))
            )
            is None
        )
    assert schema_problem("StopRequest", json.loads(talk_json(stop_message("users", "bob")))) is None
    assert schema_problem("StopRequest", json.loads(talk_json(stop_message(None, None)))) is None


# The captured bodies of recording-server-protocol.md section 1.4.
@pytest.mark.parametrize(
    "body",
    [
        '{"type": "started", "started": {"token": "abc123de", "status": 1, '
        '"actor": {"type": "users", "id": "alice"}}}',
        '{"type": "stopped", "stopped": {"token": "abc123de", "actor": {"type": "users", "id": "alice"}}}',
        '{"type": "stopped", "stopped": {"token": "abc123de"}}',
        '{"type": "failed", "failed": {"token": "abc123de"}}',
    ],
)
def test_upstreams_reports_fit_it(body):
    document = json.loads(body)
    assert report_problem(document["type"], document) is None


def test_a_report_without_its_token_is_named_precisely():
    assert report_problem("failed", {"type": "failed", "failed": {}}) == (
        "failed: 'token' is a required property (openapi/recording-server.yaml, FailedReport)"
    )
