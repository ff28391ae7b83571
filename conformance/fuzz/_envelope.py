"""Read the OCS envelope of a response, in JSON or XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - parses responses of a loopback target under test
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OcsBody:
    """The parts of an OCS response that the checks look at."""

    status: Any
    statuscode: Any
    message: Any
    data: Any
    is_json: bool


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def parse_ocs(content: bytes) -> OcsBody | None:
    """The OCS envelope of a body, or None when the body is neither a JSON nor an XML OCS document."""
    document = _json(content)
    if isinstance(document, dict):
        ocs = document.get("ocs")
        if isinstance(ocs, dict) and isinstance(ocs.get("meta"), dict):
            meta = ocs["meta"]
            return OcsBody(
                meta.get("status"), meta.get("statuscode"), meta.get("message"), ocs.get("data"), is_json=True
            )
        return None
    try:
        root = ET.fromstring(content)  # noqa: S314 - see module import
    except ET.ParseError:
        return None
    meta = root.find("meta") if root.tag == "ocs" else None
    if meta is None:
        return None
    code = meta.findtext("statuscode")
    statuscode: Any = int(code) if code is not None and code.strip().lstrip("-").isdigit() else code
    message = meta.findtext("message")
    return OcsBody(meta.findtext("status"), statuscode, message, root.find("data"), is_json=False)


def plain_json(content: bytes) -> Any:
    """The decoded JSON body, or None."""
    return _json(content)
