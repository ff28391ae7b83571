"""The unknown_type message the step requires is the text of the target's Talk release (register X43)."""

from __future__ import annotations

import pytest

from steps.assertions import unknown_type_message_of


@pytest.mark.parametrize(
    ("decoded", "release", "text"),
    [
        ({"type": "paused"}, 22, 'The given type {"type":"paused"} is not supported.'),
        (None, 22, "The given type null is not supported."),
        ({"type": "paused"}, 21, 'The given type {"type":"paused"} is not supported.'),
        ({"type": "paused"}, 23, "The given request is not supported."),
        (None, 24, "The given request is not supported."),
    ],
)
def test_each_release_has_its_text(decoded, release, text):
    assert unknown_type_message_of(decoded, release) == text
