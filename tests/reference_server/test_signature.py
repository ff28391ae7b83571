"""HMAC verification against the vectors of talk-behaviour §4.2 and recording-server-protocol §1.3."""

from reference_server.signature import checksum, is_valid, new_random

SECRET = "the recording secret"
RANDOM = b"0123456789abcdef0123456789abcdef"


def test_reference_vectors():
    assert (
        checksum(SECRET, RANDOM, b"abcdefgh")
        == "2d30956ea92126a7ab7a2900cabd05d9a1e8b8985255eaf94efb17c698b34886"
    )
    assert (
        checksum("", RANDOM, b"abcdefgh")
        == "2fbbac629a42940a602119a1eb5ceed02df134c0cc096007f0bb9cfa9a6c70f3"
    )
    body = b'{"type":"failed","failed":{"token":"abcdefgh"}}'
    assert (
        checksum(SECRET, RANDOM, body) == "6e1c871e8d3e66e69500eda8aff5ff234b4ac62b036551bc1acbb2076a9cd546"
    )
    random = "dkf_iCrcXBkTYBkdXKmWNmJs51tznkJuX5LE_wjdc2biPuI1VFet0Y9oUNkr29gr1fFcZ4Cxn7E1_8OTB-XAdw"
    assert checksum("the-shared-secret", random, b"abc123de") == (
        "41692eef486891482ba4e24c7d43fcbb794ab4c7c4b66188e30bd3e0a735405b"
    )


def test_validation_rules():
    good = checksum(SECRET, RANDOM, b"abcdefgh").encode()
    assert is_valid(SECRET, RANDOM, good, b"abcdefgh")
    assert is_valid(SECRET, RANDOM, good.upper(), b"abcdefgh")
    assert not is_valid(SECRET, RANDOM[:31], checksum(SECRET, RANDOM[:31], b"abcdefgh").encode(), b"abcdefgh")
    assert not is_valid(SECRET, RANDOM, b"", b"abcdefgh")
    assert not is_valid(SECRET, None, good, b"abcdefgh")
    assert not is_valid(SECRET, RANDOM, good[:-1], b"abcdefgh")
    assert not is_valid(SECRET, RANDOM, good, b"abcdefgi")
    assert not is_valid("other", RANDOM, good, b"abcdefgh")


def test_new_random_alphabet():
    values = {new_random() for _ in range(20)}
    assert len(values) == 20
    assert all(len(v) == 64 and v.replace("+", "").replace("/", "").isalnum() for v in values)
