"""Real request and answer pairs from the shipped recordings, per documented answer, trimmed for reading."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from conformance.protocol import Contract
from conformance.reports.living_docs._real_recordings import RealRecording
from conformance.traffic import SUITE_TO_TARGET

# The headers that teach the API; the rest (Date, cookies, X-Request-Id, ...) is noise in an example.
_REQUEST_HEADERS = (
    "content-type",
    "ocs-apirequest",
    "talk-recording-random",
    "talk-recording-checksum",
    "authorization",
)
_RESPONSE_HEADERS = ("content-type",)
_BODY_LIMIT = 1600
AnswerKey = tuple[str, int, str | None]  # operation id, HTTP status, error string or None


@dataclass(frozen=True)
class RealExample:
    """One exchange of a recording, ready to show: request and answer as text, and where it came from."""

    recording: str
    release: str  # "Talk 23.0.6"
    scenario: str | None
    request_line: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: str
    status_line: str
    response_headers: tuple[tuple[str, str], ...]
    response_body: str


def error_of(text: Any) -> str | None:
    """The error string of an OCS answer body (data.error, or data.error.code), None when there is none."""
    if not isinstance(text, str) or not text:
        return None
    try:
        data = json.loads(text)["ocs"]["data"]
    except (ValueError, KeyError, TypeError):
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        error = error.get("code")
    return error if isinstance(error, str) else None


def examples_by_answer(contract: Contract, recording: RealRecording) -> dict[AnswerKey, RealExample]:
    """The first exchange of the recording for each (operation, status, error) it saw, from a scenario."""
    found: dict[AnswerKey, RealExample] = {}
    for entry in _suite_entries(recording.entries()):
        request, response = entry["request"], entry["response"]
        operation = contract.operation_for(str(request.get("method", "")), str(request.get("url", "")))
        if operation is None:
            continue
        content = response.get("content") or {}
        key = (operation.operation_id, int(response.get("status", 0)), error_of(content.get("text")))
        if key not in found:
            found[key] = _example(recording, entry)
    return found


def _suite_entries(entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    # Scenario traffic only: the preflight's and the clean-up's requests teach less than a scenario's.
    for entry in entries:
        scenario_traffic = entry.get("_leg", SUITE_TO_TARGET) == SUITE_TO_TARGET and entry.get("_scenario")
        exchange = isinstance(entry.get("request"), dict) and isinstance(entry.get("response"), dict)
        if scenario_traffic and exchange:
            yield entry


def _example(recording: RealRecording, entry: dict[str, Any]) -> RealExample:
    request, response = entry["request"], entry["response"]
    url = urlsplit(str(request.get("url", "")))
    target = url.path + (f"?{url.query}" if url.query else "")
    content = response.get("content") or {}
    return RealExample(
        recording=recording.name,
        release=recording.label,
        scenario=entry.get("_scenario"),
        request_line=f"{request.get('method', '?')} {target}",
        request_headers=_headers(request.get("headers"), _REQUEST_HEADERS),
        request_body=_request_body(request.get("postData")),
        status_line=f"HTTP {response.get('status')} {response.get('statusText', '')}".rstrip(),
        response_headers=_headers(response.get("headers"), _RESPONSE_HEADERS),
        response_body=_pretty(content.get("text")) if content.get("text") else "(empty body)",
    )


def _headers(raw: Any, wanted: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = [(str(item.get("name")), str(item.get("value"))) for item in raw or [] if isinstance(item, dict)]
    return tuple((name, value) for name, value in pairs if name.lower() in wanted)


def _request_body(post: Any) -> str:
    if not isinstance(post, dict):
        return ""
    params = post.get("params")
    if str(post.get("mimeType", "")).startswith("application/x-www-form-urlencoded") and not post.get("text"):
        pairs = [item for item in params or [] if isinstance(item, dict)]
        return "&".join(f"{item.get('name')}={item.get('value', '')}" for item in pairs)
    if isinstance(params, list) and params:
        # multipart: the recorded file itself is not in the HAR, its name, type and size are.
        lines = []
        for param in params:
            if not isinstance(param, dict):
                continue
            if "fileName" in param:
                lines.append(
                    f"{param.get('name')}: file {param.get('fileName')!r}"
                    f" ({param.get('contentType') or 'no type given'}, {param.get('_size', '?')} bytes)"
                )
            else:
                lines.append(f"{param.get('name')}: {param.get('value', '')}")
        return "\n".join(lines)
    return _pretty(post.get("text"))


def _pretty(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    try:
        shown = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        shown = text
    if len(shown) > _BODY_LIMIT:
        shown = shown[:_BODY_LIMIT] + f"\n… ({len(shown) - _BODY_LIMIT} more characters)"
    return shown
