"""A chat or notification listing that is not a list is a setup error, never an empty list."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ocs_stand_in import ocs, ocs_stand_in

from conformance.outcomes import SetupError
from conformance.target import chat_messages, notifications_of
from conformance.target._profile import Account
from conformance.target._setup_driver import TalkSession


class _MalformedListings:
    """What the stand-in answers every GET with (OCS data set by each test)."""

    data: object = {}

    @classmethod
    def answer(cls, path: str) -> tuple[int, object]:
        return 200, ocs(cls.data)


@pytest.fixture
def session() -> Iterator[TalkSession]:
    with ocs_stand_in(_MalformedListings.answer) as url:
        talk = TalkSession(url, Account("participant1", "x"), 5.0)
        try:
            yield talk
        finally:
            talk.close()


@pytest.mark.parametrize("data", [{}, None, "messages", [1, 2]])
def test_a_malformed_listing_is_a_setup_error(session: TalkSession, data: object, monkeypatch) -> None:
    monkeypatch.setattr(_MalformedListings, "data", data)
    with pytest.raises(SetupError, match="chat of abc is not a list of objects"):
        chat_messages(session, "abc")
    with pytest.raises(SetupError, match="notifications of .* is not a list of objects"):
        notifications_of(session)


def test_a_well_formed_empty_listing_is_empty(session: TalkSession, monkeypatch) -> None:
    monkeypatch.setattr(_MalformedListings, "data", [])
    assert chat_messages(session, "abc") == [] and notifications_of(session) == []
