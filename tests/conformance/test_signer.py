"""The signer reproduces the published vectors and breaks signatures in exactly one way."""

from __future__ import annotations

import re

import pytest

from conformance.protocol import _signer as signer

BEHAT_SECRET = "the recording secret"
BEHAT_RANDOM = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"abcdefgh", "2d30956ea92126a7ab7a2900cabd05d9a1e8b8985255eaf94efb17c698b34886"),
        (
            b'{"type":"started","started":{"token":"abcdefgh","status":1,'
            b'"actor":{"type":"users","id":"participant1"}}}',
            "5992304616b3dd679e7a52930ddc6bf7f7b534e7705fb92927d29e46d5c8a649",
        ),
        (
            b'{"type":"stopped","stopped":{"token":"abcdefgh"}}',
            "ad4cd2214c27b7b6d1894cba661ee111bcc73bcba94216e8565116e85353fd5a",
        ),
        (
            b'{"type":"failed","failed":{"token":"abcdefgh"}}',
            "6e1c871e8d3e66e69500eda8aff5ff234b4ac62b036551bc1acbb2076a9cd546",
        ),
    ],
)
def test_talk_behaviour_vectors(data, expected):
    assert signer.checksum(BEHAT_SECRET, BEHAT_RANDOM, data) == expected


def test_empty_secret_vector():
    expected = "2fbbac629a42940a602119a1eb5ceed02df134c0cc096007f0bb9cfa9a6c70f3"
    assert signer.sign_store("", "abcdefgh", random=BEHAT_RANDOM).checksum == expected


def test_recording_server_protocol_vectors():
    secret = "the-shared-secret"
    callback_random = "dhdscixGVZAbK9t4dRJrCe2iD94IMh6KdO3T5uRmftoJViQuiQNxbBPBauY1pMvlAScx_nm1Q-NLv7tJw41w9A"
    body = b'{"type": "failed", "failed": {"token": "abc123de"}}'
    assert (
        signer.sign(secret, body, random=callback_random).checksum
        == "099528ec91f00d3aa971edbdf32aa9a216bbb42e879966fb9c54e6b532293469"
    )
    store_random = "dkf_iCrcXBkTYBkdXKmWNmJs51tznkJuX5LE_wjdc2biPuI1VFet0Y9oUNkr29gr1fFcZ4Cxn7E1_8OTB-XAdw"
    assert (
        signer.sign_store(secret, "abc123de", random=store_random).checksum
        == "41692eef486891482ba4e24c7d43fcbb794ab4c7c4b66188e30bd3e0a735405b"
    )


def test_new_random_looks_like_token_urlsafe_64():
    randoms = {signer.new_random() for _ in range(20)}
    assert len(randoms) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{86}", r) for r in randoms)


def test_valid_signature_verifies_and_is_lowercase_hex():
    signature = signer.sign("s3cret", b"payload")
    assert re.fullmatch(r"[0-9a-f]{64}", signature.checksum)
    assert signer.verify_checksum("s3cret", signature.random, b"payload", signature.checksum)
    assert not signer.verify_checksum("s3cret", signature.random, b"payload!", signature.checksum)


def test_headers_use_the_dash_spelling():
    headers = signer.sign("s", b"x").headers()
    assert set(headers) == {"Talk-Recording-Random", "Talk-Recording-Checksum"}


def test_short_random_is_below_the_minimum_but_correctly_signed():
    signature = signer.signature_with_short_random("s", b"tok")
    assert len(signature.random.encode()) == signer.MINIMUM_RANDOM_BYTES - 1
    assert signer.verify_checksum("s", signature.random, b"tok", signature.checksum)


def test_wrong_secret_does_not_verify():
    signature = signer.signature_with_wrong_secret("s", b"tok")
    assert len(signature.random) == 86
    assert not signer.verify_checksum("s", signature.random, b"tok", signature.checksum)


def test_uppercase_checksum_is_the_valid_one_uppercased():
    signature = signer.signature_with_uppercase_checksum("s", b"tok")
    assert signature.checksum == signature.checksum.upper()
    assert signer.verify_checksum("s", signature.random, b"tok", signature.checksum.lower())
    # A case-sensitive verifier (the real recording server) must reject it.
    assert not signer.verify_checksum("s", signature.random, b"tok", signature.checksum)


def test_missing_headers_are_left_out():
    assert set(signer.signature_without_random("s", b"t").headers()) == {"Talk-Recording-Checksum"}
    assert set(signer.signature_without_checksum("s", b"t").headers()) == {"Talk-Recording-Random"}
