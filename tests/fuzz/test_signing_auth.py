import hashlib
import hmac

import requests

from conformance.fuzz._signing_auth import CHECKSUM_HEADER, RANDOM_HEADER, RecordingSignatureAuth, signed_data

SECRET = "the recording secret"
RANDOM = "0123456789abcdef0123456789abcdef"
BASE = "http://127.0.0.1:9/ocs/v2.php/apps/spreed/api/v1/recording"
PLACEHOLDER = "0" * 64
STORE_VECTOR = "2d30956ea92126a7ab7a2900cabd05d9a1e8b8985255eaf94efb17c698b34886"  # talk-behaviour §4.2
STOPPED_VECTOR = "ad4cd2214c27b7b6d1894cba661ee111bcc73bcba94216e8565116e85353fd5a"


def prepare(url: str, headers: dict[str, str], **kwargs) -> requests.PreparedRequest:
    request = requests.Request("POST", url, headers=headers, auth=RecordingSignatureAuth(SECRET), **kwargs)
    return request.prepare()


def test_store_is_signed_over_the_token_like_the_reference_vector():
    prepared = prepare(
        f"{BASE}/abcdefgh/store",
        {RANDOM_HEADER: RANDOM, CHECKSUM_HEADER: PLACEHOLDER},
        files={"file": ("a.ogg", b"x")},
        data={"owner": "participant1"},
    )
    assert prepared.headers[CHECKSUM_HEADER] == STORE_VECTOR


def test_backend_is_signed_over_the_exact_body_bytes():
    body = b'{"type":"stopped","stopped":{"token":"abcdefgh"}}'
    prepared = prepare(f"{BASE}/backend", {RANDOM_HEADER: RANDOM, CHECKSUM_HEADER: PLACEHOLDER}, data=body)
    assert prepared.headers[CHECKSUM_HEADER] == STOPPED_VECTOR


def test_form_bodies_given_as_str_are_signed_as_sent():
    prepared = prepare(
        f"{BASE}/backend", {RANDOM_HEADER: RANDOM, CHECKSUM_HEADER: PLACEHOLDER}, data={"type": "failed"}
    )
    assert isinstance(prepared.body, str)
    expected = hmac.new(SECRET.encode(), RANDOM.encode() + prepared.body.encode(), hashlib.sha256).hexdigest()
    assert prepared.headers[CHECKSUM_HEADER] == expected


def test_an_uppercase_checksum_is_replaced_by_the_uppercase_signature():
    prepared = prepare(f"{BASE}/abcdefgh/store", {RANDOM_HEADER: RANDOM, CHECKSUM_HEADER: "A" * 64})
    assert prepared.headers[CHECKSUM_HEADER] == STORE_VECTOR.upper()


def test_broken_checksums_stay_broken():
    for broken in ("0" * 63, "zz" + "0" * 62, "0" * 65, ""):
        prepared = prepare(f"{BASE}/backend", {RANDOM_HEADER: RANDOM, CHECKSUM_HEADER: broken}, data=b"{}")
        assert prepared.headers[CHECKSUM_HEADER] == broken


def test_missing_headers_are_not_added():
    prepared = prepare(f"{BASE}/backend", {CHECKSUM_HEADER: PLACEHOLDER}, data=b"{}")
    assert prepared.headers[CHECKSUM_HEADER] == PLACEHOLDER
    prepared = prepare(f"{BASE}/backend", {RANDOM_HEADER: RANDOM}, data=b"{}")
    assert CHECKSUM_HEADER not in prepared.headers


def test_other_operations_are_left_alone():
    prepared = prepare(f"{BASE}/abcdefgh", {RANDOM_HEADER: RANDOM, CHECKSUM_HEADER: PLACEHOLDER})
    assert prepared.headers[CHECKSUM_HEADER] == PLACEHOLDER
    assert signed_data(f"{BASE}/abcdefgh", b"") is None


def test_the_secret_is_not_in_the_repr():
    assert SECRET not in repr(RecordingSignatureAuth(SECRET))
