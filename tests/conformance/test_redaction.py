"""Cookies are credentials: their values are masked like Authorization, their names stay readable."""

from __future__ import annotations

import pytest

from conformance.redaction import MASK, Redactor


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "headers: OCS-APIRequest: true, Cookie: talk_reference_session=46d7e1f0a9, Accept: */*",
            f"headers: OCS-APIRequest: true, Cookie: talk_reference_session={MASK}, Accept: */*",
        ),
        ("{'Cookie': 'oc_session=abc; nc_token=def'}", f"{{'Cookie': 'oc_session={MASK}; nc_token={MASK}'}}"),
        ("Set-Cookie: nc_session=abc; HttpOnly", f"Set-Cookie: nc_session={MASK}; HttpOnly"),
        ("cookie: x=1", f"cookie: x={MASK}"),
    ],
)
def test_cookie_values_are_masked_and_names_kept(text, expected):
    assert Redactor().text(text) == expected


def test_text_without_cookies_is_left_alone():
    text = "the cookie jar holds the Talk session; status=200"
    assert Redactor().text(text) == text
