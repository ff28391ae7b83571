"""Our checks: OCS envelope consistency, documented error strings only, no unregistered 5xx."""

from __future__ import annotations

import functools
from typing import Any

import schemathesis

from conformance.fuzz._envelope import OcsBody, parse_ocs, plain_json
from conformance.fuzz._operations import operation_kind
from conformance.protocol import WELCOME_OPERATION, Contract, load_contract

LOGIN_STATUSCODE = 997
# Nextcloud's own answers (openapi/recording.yaml): login check 401/997, no route 404/998, exception 500/996.
NEXTCLOUD_STATUSCODES = {401: LOGIN_STATUSCODE, 404: 998, 500: 996}
SERVER_ERROR_STATUSCODE = NEXTCLOUD_STATUSCODES[500]
# Besides these names, Talk passes a transport exception code through as a (numeric) string.
WELCOME_FAILURES = frozenset(
    {"CAN_NOT_CONNECT", "CERTIFICATE_EXPIRED", "IS_SIGNALING_SERVER", "TIME_OUT_OF_SYNC", "JSON_INVALID"}
)


@functools.cache
def _contract() -> Contract:
    return load_contract()


def _is_welcome_failure(error: Any) -> bool:
    # Besides the named failures, Talk passes an exception code through as a string.
    return error in WELCOME_FAILURES or (isinstance(error, str) and error.lstrip("-").isdigit())


def _kind(case: Any) -> str | None:
    return operation_kind(case.method, case.operation.path)


def envelope_problem(status_code: int, content: bytes) -> str | None:
    """Why this response's envelope is inconsistent, or None when it is fine."""
    if status_code == 405 and not content:
        return None  # known path, wrong method: Nextcloud answers with an empty body
    body = parse_ocs(content)
    if body is None:
        document = plain_json(content)
        if status_code == 412 and isinstance(document, dict) and isinstance(document.get("message"), str):
            return None  # CSRF / app-not-enabled: plain JSON without an envelope
        return f"HTTP {status_code} without an OCS envelope (JSON or XML): {content[:200]!r}"
    return _meta_problem(status_code, body)


def _meta_problem(status_code: int, body: OcsBody) -> str | None:
    expected_status = "ok" if 200 <= status_code < 300 else "failure"
    if body.status != expected_status:
        return f"HTTP {status_code} but meta.status is {body.status!r} (expected {expected_status!r})"
    if body.statuscode == status_code:
        return None
    if body.statuscode == NEXTCLOUD_STATUSCODES.get(status_code):
        return None
    return f"HTTP {status_code} but meta.statuscode is {body.statuscode!r}"


def error_string_problem(method: str, url: str, status_code: int, content: bytes) -> str | None:
    """Why the error string of this response is not documented for its operation and status, or None."""
    if status_code < 400:
        return None
    body = parse_ocs(content)
    if body is None or not body.is_json or not isinstance(body.data, dict) or "error" not in body.data:
        return None
    contract = _contract()
    operation = contract.operation_for(method, url)
    if operation is None:
        return None  # not an operation of the contract; the route-level checks speak for it
    error = body.data["error"]
    if body.data.get("type") == "error" and isinstance(error, dict):
        error = error.get("code")
    if operation.operation_id == WELCOME_OPERATION and status_code == 500 and _is_welcome_failure(error):
        return None
    allowed = contract.documented_errors(operation.operation_id, status_code)
    if error not in allowed:
        documented = ", ".join(sorted(allowed)) or "none"
        return (
            f"{operation.operation_id} answered HTTP {status_code} with error {error!r}, "
            f"which the contract does not document there (documented: {documented})"
        )
    return None


def server_error_problem(kind: str | None, status_code: int, content: bytes) -> str | None:
    """Why this 5xx is not one of the registered ones, or None."""
    if status_code < 500:
        return None
    if status_code == 500 and kind in ("start", "stop"):
        body = parse_ocs(content)
        if body is not None and body.statuscode == SERVER_ERROR_STATUSCODE:
            return None  # the recording server failed: the one registered 5xx of start/stop
        return f"{kind}: HTTP 500 without an OCS envelope carrying statuscode {SERVER_ERROR_STATUSCODE}"
    if status_code == 500 and kind == "welcome":
        body = parse_ocs(content)
        if body is not None and isinstance(body.data, dict) and _is_welcome_failure(body.data.get("error")):
            return None
        return "welcome: HTTP 500 that is not a documented recording-server failure"
    return f"{kind or 'unknown operation'}: unregistered server error HTTP {status_code}: {content[:200]!r}"


@schemathesis.check
def ocs_envelope_consistency(ctx: Any, response: Any, case: Any) -> bool | None:
    """HTTP status, meta.statuscode and meta.status agree (997, 998, 996 only for Nextcloud's own answers)."""
    problem = envelope_problem(response.status_code, response.content)
    if problem:
        raise AssertionError(problem)
    return None


@schemathesis.check
def documented_error_strings(ctx: Any, response: Any, case: Any) -> bool | None:
    """Error strings and codes come from the documented vocabulary of the operation."""
    request = response.request
    status, content = response.status_code, response.content
    problem = error_string_problem(request.method or "", request.url or "", status, content)
    if problem:
        raise AssertionError(problem)
    return None


@schemathesis.check
def registered_server_errors_only(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx except start/stop when the recording server fails and welcome's documented failures."""
    problem = server_error_problem(_kind(case), response.status_code, response.content)
    if problem:
        raise AssertionError(problem)
    return None


OUR_CHECKS = (ocs_envelope_consistency, documented_error_strings, registered_server_errors_only)
