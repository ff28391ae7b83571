"""The field rules of HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) as a JSON Schema."""

from __future__ import annotations

from typing import Any

import jsonschema

# Every object may carry `comment` and custom fields, which the spec says must start with an underscore.
_CUSTOM = {"^_": {}}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **(optional or {}), "comment": {"type": "string"}},
        "patternProperties": _CUSTOM,
        "additionalProperties": False,
    }


_NAME_VALUE = _object({"name": {"type": "string"}, "value": {"type": "string"}})
_COOKIE = _object(
    {"name": {"type": "string"}, "value": {"type": "string"}},
    {
        "path": {"type": "string"},
        "domain": {"type": "string"},
        "expires": {"type": ["string", "null"]},
        "httpOnly": {"type": "boolean"},
        "secure": {"type": "boolean"},
    },
)
_TIMING = {"type": "number", "minimum": -1}
_ISO_8601 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"

ENTRY = _object(
    {
        "startedDateTime": {"type": "string", "pattern": _ISO_8601},
        "time": {"type": "number", "minimum": 0},
        "request": _object(
            {
                "method": {"type": "string"},
                "url": {"type": "string"},
                "httpVersion": {"type": "string"},
                "cookies": {"type": "array", "items": _COOKIE},
                "headers": {"type": "array", "items": _NAME_VALUE},
                "queryString": {"type": "array", "items": _NAME_VALUE},
                "headersSize": {"type": "integer"},
                "bodySize": {"type": "integer"},
            },
            {
                "postData": _object(
                    {"mimeType": {"type": "string"}},
                    {
                        "params": {
                            "type": "array",
                            "items": _object(
                                {"name": {"type": "string"}},
                                {
                                    "value": {"type": "string"},
                                    "fileName": {"type": "string"},
                                    "contentType": {"type": "string"},
                                },
                            ),
                        },
                        "text": {"type": "string"},
                    },
                )
            },
        ),
        "response": _object(
            {
                "status": {"type": "integer"},
                "statusText": {"type": "string"},
                "httpVersion": {"type": "string"},
                "cookies": {"type": "array", "items": _COOKIE},
                "headers": {"type": "array", "items": _NAME_VALUE},
                "content": _object(
                    {"size": {"type": "integer"}, "mimeType": {"type": "string"}},
                    {
                        "compression": {"type": "integer"},
                        "text": {"type": "string"},
                        "encoding": {"type": "string"},
                    },
                ),
                "redirectURL": {"type": "string"},
                "headersSize": {"type": "integer"},
                "bodySize": {"type": "integer"},
            }
        ),
        "cache": _object(
            {}, {"beforeRequest": {"type": ["object", "null"]}, "afterRequest": {"type": ["object", "null"]}}
        ),
        "timings": _object(
            {"send": _TIMING, "wait": _TIMING, "receive": _TIMING},
            {"blocked": _TIMING, "dns": _TIMING, "connect": _TIMING, "ssl": _TIMING},
        ),
    },
    {"pageref": {"type": "string"}, "serverIPAddress": {"type": "string"}, "connection": {"type": "string"}},
)

HAR = {
    "type": "object",
    "required": ["log"],
    "properties": {
        "log": _object(
            {
                "version": {"const": "1.2"},
                "creator": _object({"name": {"type": "string"}, "version": {"type": "string"}}),
                "entries": {"type": "array", "items": ENTRY},
            },
            {
                "browser": _object({"name": {"type": "string"}, "version": {"type": "string"}}),
                "pages": {"type": "array"},
            },
        )
    },
    "additionalProperties": False,
}


def assert_valid_har(document: Any) -> None:
    """Fail with the first rule the document breaks."""
    jsonschema.validate(document, HAR)


def assert_valid_entry(entry: Any) -> None:
    """Fail with the first rule the entry breaks."""
    jsonschema.validate(entry, ENTRY)
