"""Which keys of the target's JSON answers each Then step reads, recorded while the steps run.

With `KEY_READS_ENV` naming a file, every answer the steps decode (setup_driver's OCS data, the envelope
a Then step checks) is handed out as a dict that notes each key read from it. Each read made during a Then
step is appended to that file as one JSON line: the step, the request ("GET /…/room/{token}") and the key
path from the document's root ("ocs.data[].messageRichParameters.file.name").
tests/steps/test_keys_the_steps_read.py holds those reads against the keys the shipped real recordings carry,
so that a step cannot come to rely on a key only the reference server sends. Without the variable nothing is
wrapped and nothing is written.
"""

from __future__ import annotations

import contextvars
import json
import os
import re
import threading
from typing import Any
from urllib.parse import urlsplit

KEY_READS_ENV = "CONFORMANCE_KEY_READS_FILE"
# A room token in a path, as the traffic comparison writes it ({token}); "backend" and "welcome" are routes.
_TOKEN_SEGMENT = re.compile(r"/(room|chat|call|recording)/(?!backend(?:/|$)|welcome(?:/|$))[^/]+")

_current_step: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "then_step", default=None
)
_seen: set[tuple[str, str, str, str]] = set()
_lock = threading.Lock()


def request_signature(method: str, url: str) -> str:
    """METHOD and path, the room token as {token}, without the query."""
    path = _TOKEN_SEGMENT.sub(r"/\1/{token}", urlsplit(url).path)
    return f"{method.upper()} {path}"


def key_reads_enabled() -> bool:
    """Whether this run records the keys its Then steps read."""
    return bool(os.environ.get(KEY_READS_ENV))


def key_reads_step_started(kind: str, text: str, function: str) -> None:
    """Reads from now on belong to this step, when it is a Then step."""
    _current_step.set((text, function) if kind == "then" else None)


def key_reads_step_finished() -> None:
    """Reads after the step belong to no step."""
    _current_step.set(None)


def track_key_reads(value: Any, method: str, url: str, path: str = "") -> Any:
    """The decoded answer, wrapped so that its key reads are recorded (as it is when recording is off)."""
    if not key_reads_enabled():
        return value
    return _wrap(value, request_signature(method, url), path)


def _wrap(value: Any, request: str, path: str) -> Any:
    if isinstance(value, dict) and not isinstance(value, ReadRecordingDict):
        return ReadRecordingDict(value, request, path)
    if isinstance(value, list) and not isinstance(value, ReadRecordingList):
        return ReadRecordingList(value, request, path)
    return value


def _record(request: str, key_path: str) -> None:
    step = _current_step.get()
    if step is None:
        return
    entry = (step[0], step[1], request, key_path)
    with _lock:
        if entry in _seen:
            return
        _seen.add(entry)
        line = json.dumps(dict(zip(("step", "function", "request", "key"), entry, strict=True)))
        with open(os.environ[KEY_READS_ENV], "a", encoding="utf-8") as out:
            out.write(line + "\n")


class ReadRecordingDict(dict):
    """A decoded JSON object that notes each key read from it (`[]`, `get`, `in`)."""

    def __init__(self, value: dict[str, Any], request: str, path: str) -> None:
        super().__init__(value)
        self._request = request
        self._path = path

    def _key_path(self, key: Any) -> str:
        return f"{self._path}.{key}" if self._path else str(key)

    def __getitem__(self, key: Any) -> Any:
        _record(self._request, self._key_path(key))
        return _wrap(super().__getitem__(key), self._request, self._key_path(key))

    def get(self, key: Any, default: Any = None) -> Any:
        """dict.get, noted as a read of the key."""
        _record(self._request, self._key_path(key))
        if key not in self.keys():
            return default
        return _wrap(super().__getitem__(key), self._request, self._key_path(key))

    def __contains__(self, key: object) -> bool:
        _record(self._request, self._key_path(key))
        return super().__contains__(key)


class ReadRecordingList(list):
    """A decoded JSON array whose elements note their key reads under `<path>[]`."""

    def __init__(self, value: list[Any], request: str, path: str) -> None:
        super().__init__(value)
        self._request = request
        self._path = f"{path}[]"

    def __getitem__(self, index: Any) -> Any:
        item = super().__getitem__(index)
        if isinstance(index, slice):
            return [_wrap(element, self._request, self._path) for element in item]
        return _wrap(item, self._request, self._path)

    def __iter__(self) -> Any:
        return (_wrap(element, self._request, self._path) for element in super().__iter__())

    def __reversed__(self) -> Any:
        return (_wrap(element, self._request, self._path) for element in super().__reversed__())
