"""A bounded barrage of malformed requests: no 5xx, no file outside its folder, the server keeps answering."""

import socket

import pytest

from bench import hostile_input

CHECKS = (
    "malformed multipart",
    "path traversal in file names",
    "hostile callback bodies",
    "replayed signatures",
    "malformed HTTP",
    "no file outside its folder",
    "server still answering",
    "no unhandled errors",
)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    outcome = hostile_input.run(tmp_path_factory.mktemp("hostile"), depth=20_000)
    return {result.name: result for result in outcome}


@pytest.mark.parametrize("name", CHECKS)
def test_hostile_input(results, name):
    assert results[name].passed, results[name].detail


def test_raw_request_reports_no_status_when_nothing_answers():
    # The probe helper must not invent a status it never received (a silent server would hide a hang).
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        assert hostile_input.raw_request(url, b"GET / HTTP/1.1\r\n\r\n", timeout=0.5) is None


def test_a_probe_that_got_no_answer_fails_its_group():
    answered = hostile_input.Probe("http: fine", 400)
    silent = hostile_input.Probe("http: silent", None)
    assert hostile_input.group_result("malformed HTTP", [answered]).passed
    result = hostile_input.group_result("malformed HTTP", [answered, silent])
    assert not result.passed and "http: silent → NO ANSWER" in result.detail
