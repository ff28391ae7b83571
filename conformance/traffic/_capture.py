"""Capture hooks: the suite's HTTP clients and the stand-in servers report each exchange here."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import requests

from conformance import _bdd_compat
from conformance.redaction import Redactor
from conformance.traffic._har import SUITE_TO_TARGET, Exchange, entry

PART_PREFIX = "traffic-"
PART_SUFFIX = ".jsonl"


class TrafficCapture:
    """Appends the HAR entry of every exchange to this process's part file (one JSON object a line)."""

    def __init__(self, part_path: Path, redactor: Redactor) -> None:
        self.part_path = part_path
        self.redactor = redactor
        self._lock = threading.Lock()
        part_path.parent.mkdir(parents=True, exist_ok=True)
        # The part holds redacted data only, but stays private like the rest of the run directory.
        fd = os.open(part_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def add(self, exchange: Exchange) -> None:
        """Record one exchange (thread-safe: the stand-in servers answer on their own threads)."""
        if exchange.leg == SUITE_TO_TARGET and exchange.scenario is None:
            exchange.scenario = getattr(_thread_scenario, "name", _scenario)
        line = json.dumps(entry(exchange, self.redactor), ensure_ascii=False)
        with self._lock:
            if not self._file.closed:
                self._file.write(line + "\n")
                self._file.flush()

    def close(self) -> None:
        """Stop recording."""
        with self._lock:
            self._file.close()


_active: TrafficCapture | None = None
_scenario: str | None = None  # what this process runs now; kept even before a recording starts
# A background thread's own label (a scenario's cleanup that runs while the next scenario does).
_thread_scenario = threading.local()


def start_traffic_capture(run_dir: Path, redactor: Redactor) -> TrafficCapture:
    """Start recording this process's exchanges into a part file of the run directory."""
    global _active
    stop_traffic_capture()
    _active = TrafficCapture(run_dir / f"{PART_PREFIX}{os.getpid()}{PART_SUFFIX}", redactor)
    return _active


def stop_traffic_capture() -> None:
    """Stop recording (nothing happens when nothing records)."""
    global _active
    if _active is not None:
        _active.close()
        _active = None


def active_traffic_capture() -> TrafficCapture | None:
    """The recorder of this process, if traffic is being recorded."""
    return _active


def set_traffic_scenario(name: str | None) -> None:
    """Label what the suite sends from now on with this scenario (None: outside any scenario)."""
    global _scenario
    _scenario = name


@contextlib.contextmanager
def traffic_outside_scenario() -> Iterator[None]:
    """Label what is sent meanwhile with no scenario (the run's own set-up inside the first scenario)."""
    global _scenario
    saved, _scenario = _scenario, None
    try:
        yield
    finally:
        _scenario = saved


def current_traffic_scenario() -> str | None:
    """The scenario what is sent now is labelled with."""
    return _scenario


@contextlib.contextmanager
def traffic_scenario_of_this_thread(name: str | None) -> Iterator[None]:
    """Label what this thread sends meanwhile with this scenario, whatever the process runs now."""
    _thread_scenario.name = name
    try:
        yield
    finally:
        del _thread_scenario.name


def traffic_part_files(run_dir: Path) -> list[Path]:
    """Every process's part of the run, for the merge."""
    return sorted(run_dir.glob(f"{PART_PREFIX}*{PART_SUFFIX}")) if run_dir.is_dir() else []


# --- hooks ------------------------------------------------------------------------------------------


def record_response(response: requests.Response, actor: str | None = None, sent: float | None = None) -> None:
    """Hook of the suite's clients: record a `requests` exchange (`sent`: when the request went out)."""
    capture = _active
    if capture is None:
        return
    request = response.request
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elapsed = response.elapsed.total_seconds()
    capture.add(
        Exchange(
            leg=SUITE_TO_TARGET,
            started=sent if sent is not None else time.time() - elapsed,
            duration_ms=(time.time() - sent if sent is not None else elapsed) * 1000,
            method=request.method or "GET",
            url=request.url or "",
            request_headers=list(request.headers.items()),
            request_body=body if isinstance(body, bytes) else b"",
            status=response.status_code,
            status_text=response.reason or "",
            response_headers=_raw_headers(response),
            response_body=response.content,
            actor=actor,
        )
    )


def record_failure(
    method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes, error: str, actor: str | None
) -> None:
    """Hook of the suite's clients: a request that got no answer at all."""
    capture = _active
    if capture is not None:
        capture.add(
            Exchange(
                SUITE_TO_TARGET, time.time(), 0, method, url, list(headers), body, 0, actor=actor, error=error
            )
        )


def record_inbound(exchange: Exchange) -> None:
    """Hook of the stand-in servers: an exchange the target started."""
    if _active is not None:
        _active.add(exchange)


def record_answered(handler: Any, leg: str, started: float, body: bytes, answer: Any) -> None:
    """Hook of the stand-in servers (http.server handlers): the request they got and the answer they sent.

    `answer` is (status, headers, body) as sent, or None when the connection was closed without one.
    """
    if _active is None:
        return
    status, headers, data = answer or (0, (), b"")
    _active.add(
        Exchange(
            leg=leg,
            started=started,
            duration_ms=(time.time() - started) * 1000,
            method=handler.command,
            url=f"http://{handler.headers.get('Host', 'stand-in')}{handler.path}",
            request_headers=list(handler.headers.items()),
            request_body=body,
            status=status,
            response_headers=list(headers),
            response_body=data,
            error=None if answer else "connection closed without an answer",
        )
    )


def _raw_headers(response: requests.Response) -> list[tuple[str, str]]:
    # urllib3 keeps repeated headers (Set-Cookie) apart; requests' dict joins them.
    raw = getattr(response.raw, "headers", None)
    if raw is not None and hasattr(raw, "items"):
        try:
            return [(str(name), str(value)) for name, value in raw.items()]
        except (TypeError, ValueError):
            pass
    return list(response.headers.items())


def scenario_label(item: Any) -> str:
    """A scenario's name as its conversation carries it: the title and `[key=value, ...]` of its example."""
    template = _bdd_compat.scenario_template(item)
    name = template.name if template is not None else item.name
    example = _bdd_compat.example_row(item)
    if example:
        name += " [" + ", ".join(f"{key}={value}" for key, value in example.items()) + "]"
    return name
