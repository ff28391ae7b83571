"""The answer a Then step judged, as expectations pin it: HTTP status, OCS statuscode, error code."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_XML_STATUSCODE = re.compile(rb"<statuscode>\s*(\d+)\s*</statuscode>")


@dataclass(frozen=True)
class Answer:
    """HTTP status; OCS meta.statuscode (None: the body is no OCS envelope); the error code of `data`."""

    status: int
    statuscode: int | None
    error: str | None = None  # data.error when a string, data.error.code when an object; None when neither

    def describe(self) -> str:
        """E.g. "HTTP 400 / OCS 400 / unknown_type", "HTTP 500 / OCS 996", "HTTP 400 / no OCS envelope"."""
        parts = [
            f"HTTP {self.status}",
            "no OCS envelope" if self.statuscode is None else f"OCS {self.statuscode}",
        ]
        if self.error is not None:
            parts.append(self.error)
        return " / ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The form expectation files and summary.json use (`error` only when there is one)."""
        data: dict[str, Any] = {"status": self.status, "statuscode": self.statuscode}
        if self.error is not None:
            data["error"] = self.error
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Answer:
        """Inverse of `to_dict`."""
        return cls(int(data["status"]), data.get("statuscode"), data.get("error"))


def answer_of(status: int, body: bytes | None, content_type: str = "") -> Answer:
    """What a response said, read as Nextcloud writes it (a JSON envelope, or XML for some 500s)."""
    body = body or b""
    if "xml" in content_type.lower():
        found = _XML_STATUSCODE.search(body)
        return Answer(status, int(found[1]) if found else None)
    try:
        ocs = json.loads(body)["ocs"]
        meta, data = ocs["meta"], ocs.get("data")
        statuscode = meta["statuscode"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return Answer(status, None)
    if isinstance(statuscode, str) and statuscode.isdigit():
        statuscode = int(statuscode)
    if not isinstance(statuscode, int) or isinstance(statuscode, bool):
        return Answer(status, None)
    return Answer(status, statuscode, _error_code(data))


def answer_of_response(response: Any) -> Answer:
    """`answer_of` for a requests.Response."""
    return answer_of(response.status_code, response.content, response.headers.get("Content-Type", ""))


def _error_code(data: Any) -> str | None:
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        error = error.get("code")
    return error if isinstance(error, str) else None
