"""Authors named in the system-message steps: known words only, never a silent default."""

from __future__ import annotations

import pytest

from conformance.outcomes import SetupError
from steps.assertions import GUEST_WITHOUT_SESSION, _actor_of


def test_a_guest_without_a_session_is_the_failed_to_get_session_guest() -> None:
    assert _actor_of(None, "a guest without a session") == GUEST_WITHOUT_SESSION  # type: ignore[arg-type]


def test_an_unknown_author_is_a_setup_error_that_names_it() -> None:
    with pytest.raises(SetupError, match="unknown author 'the modrator'"):
        _actor_of(None, "the modrator")  # type: ignore[arg-type]
