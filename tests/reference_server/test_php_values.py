"""PHP settype, json_decode and json_encode semantics."""

import pytest

from reference_server.php_values import PhpObject, json_decode, json_encode, to_int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", 0),
        ("1", 1),
        ("12abc", 12),
        (" 7", 7),
        ("-3", -3),
        ("1.9", 1),
        ("1e3", 1000),
        ("", 0),
        (True, 1),
        (False, 0),
        (None, 0),
        (2.7, 2),
        ("+5", 5),
        (".5", 0),
        ("9" * 30, 2**63 - 1),
        (float("nan"), 0),
    ],
)
def test_to_int_like_settype(value, expected):
    assert to_int(value) == expected
    assert type(to_int(value)) is int


@pytest.mark.parametrize(
    ("raw", "ok", "value"),
    [
        (b'{"a":1}', True, {"a": 1}),
        (b"", False, None),
        (b"nul", False, None),
        (b"\xff", False, None),
        (b"NaN", False, None),
        (b'"\\ud800"', False, None),
        (b'"\\ud83d\\ude00"', True, "\U0001f600"),
        (b"[" * 512 + b"]" * 512, True, None),
        (b"[" * 513 + b"]" * 513, False, None),
    ],
)
def test_json_decode(raw, ok, value):
    decoded_ok, decoded = json_decode(raw)
    assert decoded_ok is ok
    if value is not None or not ok:
        assert decoded == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, "[]"),
        (PhpObject(), "{}"),
        (PhpObject({"0": "a"}), '{"0":"a"}'),
        ({"0": "a", "1": "b"}, '["a","b"]'),
        ({"1": "a"}, '{"1":"a"}'),
        ("a/b", '"a\\/b"'),
        ("é", '"\\u00e9"'),
        ("\U0001f600", '"\\ud83d\\ude00"'),
        ("\x01\n", '"\\u0001\\n"'),
        (1.0, "1.0"),
        (None, "null"),
        ([True, False], "[true,false]"),
        ('"\\', '"\\"\\\\"'),
    ],
)
def test_json_encode(value, expected):
    assert json_encode(value) == expected


def test_json_encode_hex_tag():
    assert json_encode("<a>") == '"<a>"'
    assert json_encode("<a>", hex_tag=True) == '"\\u003Ca\\u003E"'
