"""A chat or notification listing that is not a list is a setup error, never an empty list."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conformance import setup_driver
from conformance.config import Account
from conformance.outcomes import SetupError
from conformance.setup_driver import TalkSession


class _MalformedListings(BaseHTTPRequestHandler):
    data: object = {}

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        body = json.dumps({"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": self.data}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture
def session() -> Iterator[TalkSession]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MalformedListings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    talk = TalkSession(f"http://127.0.0.1:{server.server_address[1]}", Account("participant1", "x"), 5.0)
    try:
        yield talk
    finally:
        talk.close()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("data", [{}, None, "messages", [1, 2]])
def test_a_malformed_listing_is_a_setup_error(session: TalkSession, data: object, monkeypatch) -> None:
    monkeypatch.setattr(_MalformedListings, "data", data)
    with pytest.raises(SetupError, match="chat of abc is not a list of objects"):
        setup_driver.chat_messages(session, "abc")
    with pytest.raises(SetupError, match="notifications of .* is not a list of objects"):
        setup_driver.notifications(session)


def test_a_well_formed_empty_listing_is_empty(session: TalkSession, monkeypatch) -> None:
    monkeypatch.setattr(_MalformedListings, "data", [])
    assert setup_driver.chat_messages(session, "abc") == [] and setup_driver.notifications(session) == []
