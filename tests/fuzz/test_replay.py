"""Failure records replay: the curl command sends the same request again."""

import json
import shutil
import subprocess

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.fuzz._replay import FailureRecord, curl_command, write_records


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "authorization": request.headers.get("authorization"),
            "checksum": request.headers.get("talk-recording-checksum"),
            "body": body.hex(),
        }
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_command_sends_the_same_request(serve, tmp_path):
    body = b"\x00\x01 binary \xff"
    app = Starlette(routes=[Route("/{path:path}", echo, methods=["POST"])])
    with serve(app) as url:
        command = curl_command(
            "POST",
            f"{url}/recording/abcdefgh/store?x=1",
            {"Authorization": "Basic c2VjcmV0", "Talk-Recording-Checksum": "ab" * 32, "Content-Length": "9"},
            body,
        )
        assert "c2VjcmV0" not in command  # the credentials are not written down
        env = {"TALK_USER": "participant1", "TALK_PASSWORD": "pw", "PATH": "/usr/bin:/bin"}
        output = subprocess.run(["bash", "-c", command], env=env, capture_output=True, check=True, timeout=30)
    echoed = json.loads(output.stdout)
    assert echoed["method"] == "POST" and echoed["path"] == "/recording/abcdefgh/store"
    assert echoed["query"] == "x=1"
    assert echoed["checksum"] == "ab" * 32
    assert echoed["authorization"] == "Basic cGFydGljaXBhbnQxOnB3"  # participant1:pw from the environment
    assert bytes.fromhex(echoed["body"]) == body


def test_records_are_written_as_jsonl_and_a_script(tmp_path):
    record = FailureRecord(
        "schemathesis",
        "POST /recording/backend",
        "fuzzing",
        "positive_data_acceptance",
        "Schema-valid request rejected",
        20260627,
        "curl -sS -X POST http://127.0.0.1:9/",
    )
    write_records([record], tmp_path)
    assert json.loads((tmp_path / "failures.jsonl").read_text())["seed"] == 20260627
    script = (tmp_path / "replay.sh").read_text()
    assert "curl -sS -X POST http://127.0.0.1:9/" in script and "(seed 20260627)" in script
