"""The fuzzer reports a target that breaks the OCS envelope rules (a small inline Starlette server)."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.fuzz._engine_run import run_engine
from conformance.fuzz._schema_loading import FuzzInputs, FuzzSettings, load_schema, read_contract
from conformance.resources import contract_path
from conformance.target._profile import Account


async def wrong_statuscode(request: Request) -> JSONResponse:
    await request.body()
    # A plausible success body, but the envelope says 100 while HTTP says 200.
    body = {"ocs": {"meta": {"status": "ok", "statuscode": 100, "message": "OK"}, "data": None}}
    return JSONResponse(body)


def test_an_envelope_violation_is_reported_as_a_failure(serve):
    app = Starlette(routes=[Route("/{path:path}", wrong_statuscode, methods=["GET", "POST", "DELETE"])])
    document = read_contract(contract_path())
    with serve(app) as url:
        inputs = FuzzInputs(
            base_url=url,
            moderator=Account("participant1", "pw-never-printed"),
            admin=Account("admin", "admin"),
            recording_secret="the recording secret",
            tokens=("abcdefgh",),
            owners=("participant1",),
            request_timeout=10,
        )
        schema = load_schema(inputs, document, FuzzSettings(max_examples=5, phases=("examples",)))
        result = run_engine(schema, seed=1)
    envelope = [record for record in result.failures if record.check == "ocs_envelope_consistency"]
    assert envelope, [record.check for record in result.failures]
    assert "meta.statuscode is 100" in envelope[0].message
    assert envelope[0].curl.startswith("curl ")
    assert "pw-never-printed" not in envelope[0].curl  # credentials are never written down
    assert any(case.failures for case in result.junit)
