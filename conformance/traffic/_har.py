"""HAR 1.2 entries and logs: built from one exchange, redacted, with large bodies summarised."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from conformance.redaction import MASK, Redactor

HAR_VERSION = "1.2"
# Bodies above this size are summarised (size and sha256) instead of stored.
MAX_STORED_BODY = 64 * 1024
# Where an exchange happened: which side asked which.
SUITE_TO_TARGET = "suite-to-target"
TARGET_TO_RECORDING_SERVER = "target-to-recording-server"
TARGET_TO_SIGNALING_SERVER = "target-to-signaling-server"
LEGS = (SUITE_TO_TARGET, TARGET_TO_RECORDING_SERVER, TARGET_TO_SIGNALING_SERVER)
# The `_actor` of the suite's requests made as the recording server (callbacks, uploads).
RECORDING_SERVER_ACTOR = "recording-server"

_SECRET_HEADERS = {"authorization", "proxy-authorization"}
_SECRET_FIELD = re.compile(r"pass(word)?|secret", re.IGNORECASE)
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
# "secret": "..." or "password": "..." inside JSON text, also when that JSON is itself a JSON string.
_SECRET_PAIR = re.compile(
    r'(?P<key>\\*"\w*(?:password|secret)\w*\\*"\s*:\s*\\*")(?P<value>[^"\\]*)', re.IGNORECASE
)

Headers = Sequence[tuple[str, str]]


class HarError(Exception):
    """A file is not a HAR log this package can read."""


@dataclass
class Exchange:
    """One request and its answer, as seen on the wire (bodies as bytes, headers in order)."""

    leg: str
    started: float  # unix time the request was sent
    duration_ms: float
    method: str
    url: str
    request_headers: Headers
    request_body: bytes
    status: int  # 0: no answer (the connection was closed)
    response_headers: Headers = ()
    response_body: bytes = b""
    status_text: str = ""
    scenario: str | None = None
    actor: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def entry(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    """The HAR entry of an exchange; secrets masked, uploads summarised, custom fields prefixed `_`."""
    started = datetime.fromtimestamp(exchange.started, UTC).isoformat(timespec="milliseconds")
    wait = max(float(exchange.duration_ms), 0.0)
    result: dict[str, Any] = {
        "startedDateTime": started.replace("+00:00", "Z"),
        "time": round(wait, 3),
        "request": _request(exchange, redactor),
        "response": _response(exchange, redactor),
        "cache": {},
        "timings": {
            "blocked": -1,
            "dns": -1,
            "connect": -1,
            "ssl": -1,
            "send": 0,
            "wait": round(wait, 3),
            "receive": 0,
        },
        "_leg": exchange.leg,
        "_scenario": exchange.scenario,
    }
    if exchange.actor is not None:
        result["_actor"] = exchange.actor
    if exchange.error is not None:
        result["_error"] = redactor.text(exchange.error)
    for key, value in exchange.extra.items():
        result[f"_{key}"] = redactor.data(value)
    return result


def log(entries: Iterable[Mapping[str, Any]], creator: str, version: str, comment: str) -> dict[str, Any]:
    """A HAR document around the entries, oldest first."""
    ordered = sorted(entries, key=lambda item: item["startedDateTime"])
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": creator, "version": version, "comment": comment},
            "pages": [],
            "entries": ordered,
            "comment": comment,
        }
    }


def write(path: Path, document: Mapping[str, Any]) -> None:
    """Write a HAR document, one entry a line (write then rename, so a reader never sees half a file)."""
    head = {key: value for key, value in document["log"].items() if key != "entries"}
    lines = [json.dumps(item, ensure_ascii=False) for item in document["log"]["entries"]]
    text = json.dumps({"log": {**head, "entries": []}}, ensure_ascii=False)
    opening, closing = text.rsplit('"entries": []', 1)
    body = ",\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(f'{opening}"entries": [\n{body}\n]{closing}\n', encoding="utf-8")
    partial.replace(path)


def read_har(path: Path) -> dict[str, Any]:
    """Read a HAR document; a one-line HarError when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HarError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise HarError(f"{path}: not a JSON document ({exc})") from None
    entries = data.get("log", {}).get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(item, dict) for item in entries):
        raise HarError(f"{path}: not a HAR log (no log.entries list)")
    return data


# --- request and response -------------------------------------------------------------------------


def _request(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    headers = _headers(exchange.request_headers, redactor)
    parts = urlsplit(exchange.url)
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": redactor.text(exchange.url),
        "httpVersion": "HTTP/1.1",
        "cookies": _request_cookies(exchange.request_headers),
        "headers": headers,
        "queryString": [
            {"name": name, "value": _field_value(name, value, redactor)}
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": len(exchange.request_body),
    }
    if exchange.request_body or exchange.method in ("POST", "PUT", "PATCH"):
        request["postData"] = _post_data(
            _header(exchange.request_headers, "content-type"), exchange.request_body, redactor
        )
    return request


def _response(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    mime = _header(exchange.response_headers, "content-type") or ""
    return {
        "status": exchange.status,
        "statusText": exchange.status_text,
        "httpVersion": "HTTP/1.1",
        "cookies": _response_cookies(exchange.response_headers),
        "headers": _headers(exchange.response_headers, redactor),
        "content": _content(mime, exchange.response_body, redactor),
        "redirectURL": _header(exchange.response_headers, "location") or "",
        "headersSize": -1,
        "bodySize": len(exchange.response_body),
    }


def _header(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _headers(headers: Headers, redactor: Redactor) -> list[dict[str, str]]:
    result = []
    for name, value in headers:
        lower = name.lower()
        if lower in _SECRET_HEADERS:
            value = MASK
        elif lower == "cookie":
            value = "; ".join(f"{cookie['name']}={MASK}" for cookie in _parse_cookie_header(value))
        elif lower == "set-cookie":
            value = _mask_set_cookie(value)
        result.append({"name": name, "value": redactor.text(value)})
    return result


def _parse_cookie_header(value: str) -> list[dict[str, str]]:
    cookies = []
    for part in value.split(";"):
        name = part.split("=", 1)[0].strip()
        if name:
            cookies.append({"name": name, "value": MASK})
    return cookies


def _mask_set_cookie(value: str) -> str:
    name, _, rest = value.partition("=")
    attributes = rest.split(";", 1)[1] if ";" in rest else ""
    return f"{name.strip()}={MASK}" + (f";{attributes}" if attributes else "")


def _request_cookies(headers: Headers) -> list[dict[str, str]]:
    cookies: list[dict[str, str]] = []
    for name, value in headers:
        if name.lower() == "cookie":
            cookies += _parse_cookie_header(value)
    return cookies


def _response_cookies(headers: Headers) -> list[dict[str, str]]:
    return [
        {"name": value.split("=", 1)[0].strip(), "value": MASK}
        for name, value in headers
        if name.lower() == "set-cookie" and "=" in value
    ]


def _field_value(name: str, value: str, redactor: Redactor) -> str:
    return MASK if _SECRET_FIELD.search(name) else _clean_text(value, redactor)


def _clean_text(text: str, redactor: Redactor) -> str:
    """Known secrets and every JSON "secret"/"password" value masked; the rest byte for byte."""
    return redactor.text(_SECRET_PAIR.sub(lambda match: match["key"] + MASK, text))


def summary_of(body: bytes) -> dict[str, Any]:
    """Size and sha256 of a body that is not stored."""
    return {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def _post_data(content_type: str | None, body: bytes, redactor: Redactor) -> dict[str, Any]:
    mime = content_type or ""
    if mime.lower().startswith("multipart/form-data"):
        return {
            "mimeType": mime,
            "params": _multipart_params(mime, body, redactor),
            "text": "",
            "_summary": summary_of(body),
        }
    if len(body) > MAX_STORED_BODY:
        return {
            "mimeType": mime,
            "text": "",
            "_summary": summary_of(body),
            "comment": "body not stored: larger than 64 KiB",
        }
    text = body.decode("utf-8", "replace")
    if mime.lower().startswith("application/x-www-form-urlencoded"):
        params = [
            {"name": name, "value": _field_value(name, value, redactor)}
            for name, value in parse_qsl(text, keep_blank_values=True)
        ]
        originals = parse_qsl(text, keep_blank_values=True)
        if any(param["value"] != value for param, (_, value) in zip(params, originals, strict=True)):
            text = urlencode([(param["name"], param["value"]) for param in params])
        return {"mimeType": mime, "params": params, "text": redactor.text(text)}
    return {"mimeType": mime, "text": _clean_text(text, redactor)}


def _multipart_params(content_type: str, body: bytes, redactor: Redactor) -> list[dict[str, Any]]:
    match = _BOUNDARY.search(content_type)
    if match is None:
        return []
    params = []
    delimiter = b"--" + match[1].encode("latin-1")
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        header_lines = head.decode("utf-8", "replace").split("\r\n")
        disposition = next(
            (line for line in header_lines if line.lower().startswith("content-disposition:")), ""
        )
        values = dict(_DISPOSITION_PARAM.findall(disposition))
        part_type = next(
            (
                line.split(":", 1)[1].strip()
                for line in header_lines
                if line.lower().startswith("content-type")
            ),
            "",
        )
        param: dict[str, Any] = {"name": values.get("name", "")}
        if "filename" in values:
            param["fileName"] = values["filename"]
            param["contentType"] = part_type
            param.update({f"_{key}": value for key, value in summary_of(content).items()})
        else:
            text = content.decode("utf-8", "replace")
            param["value"] = _field_value(param["name"], text[:1024], redactor)
        params.append(param)
    return params


def _content(mime: str, body: bytes, redactor: Redactor) -> dict[str, Any]:
    if len(body) > MAX_STORED_BODY:
        return {
            "size": len(body),
            "mimeType": mime,
            "_summary": summary_of(body),
            "comment": "body not stored: larger than 64 KiB",
        }
    return {
        "size": len(body),
        "mimeType": mime,
        "text": _clean_text(body.decode("utf-8", "replace"), redactor),
    }
