"""Name the recording operations by method and path, independent of operationIds and path prefixes."""

from __future__ import annotations

import re

_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"/recording/backend$"), "backend"),
    ("GET", re.compile(r"/recording/welcome/[^/]+$"), "welcome"),
    ("POST", re.compile(r"/recording/[^/]+/store$"), "store"),
    ("DELETE", re.compile(r"/recording/[^/]+/notification$"), "dismiss"),
    ("POST", re.compile(r"/recording/[^/]+/share-chat$"), "share_chat"),
    ("POST", re.compile(r"/recording/[^/]+$"), "start"),
    ("DELETE", re.compile(r"/recording/[^/]+$"), "stop"),
)

OPERATION_KINDS = tuple(kind for _, _, kind in _PATTERNS)


def operation_kind(method: str, path: str) -> str | None:
    """Which recording operation a request (or a path template) addresses; None if none."""
    path = path.split("?", 1)[0].rstrip("/")
    for expected_method, pattern, kind in _PATTERNS:
        if method.upper() == expected_method and pattern.search(path):
            return kind
    return None
