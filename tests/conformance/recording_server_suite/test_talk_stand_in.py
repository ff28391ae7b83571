"""The Talk stand-in checks signatures and uploads exactly as Talk does."""

from __future__ import annotations

import hashlib
import hmac

import pytest
import requests

from conformance.protocol import audio_ogg, video_mkv, video_mp4, video_ogv, video_webm
from conformance.recording_server_suite._talk_stand_in import TalkStandIn, sniff

SECRET = "the-shared-secret"
BODY = b'{"type": "failed", "failed": {"token": "abc123de"}}'
# The protocol's test vector (recording-server-protocol.md section 1.3).
RANDOM = "dhdscixGVZAbK9t4dRJrCe2iD94IMh6KdO3T5uRmftoJViQuiQNxbBPBauY1pMvlAScx_nm1Q-NLv7tJw41w9A"
CHECKSUM = "099528ec91f00d3aa971edbdf32aa9a216bbb42e879966fb9c54e6b532293469"
BACKEND = "/ocs/v2.php/apps/spreed/api/v1/recording/backend"


@pytest.fixture
def stand_in():
    running = TalkStandIn(SECRET, public_url=None)
    running.start()
    running.expect_room("abc123de")
    yield running
    running.stop()


def post(stand_in, random, checksum, body=BODY):
    headers = {"Talk-Recording-Random": random, "Talk-Recording-Checksum": checksum}
    return requests.post(stand_in.url + BACKEND, data=body, headers=headers, timeout=10)


def test_the_protocol_test_vector_is_accepted(stand_in):
    assert post(stand_in, RANDOM, CHECKSUM).status_code == 200
    (entry,) = stand_in.received("abc123de")
    assert entry.signature_problem is None and entry.report_type == "failed"


def test_an_uppercase_checksum_is_accepted_as_talk_lowercases(stand_in):
    assert post(stand_in, RANDOM, CHECKSUM.upper()).status_code == 200


def test_a_random_shorter_than_32_bytes_is_refused(stand_in):
    random = RANDOM[:31]
    checksum = hmac.new(SECRET.encode(), random.encode() + BODY, hashlib.sha256).hexdigest()
    assert post(stand_in, random, checksum).status_code == 403


def test_a_checksum_over_reserialised_json_is_refused(stand_in):
    assert post(stand_in, RANDOM, CHECKSUM, body=BODY.replace(b": ", b":")).status_code == 403


def test_content_sniffing_finds_the_types_talk_accepts():
    assert sniff(video_webm().content) == "video/webm"
    assert sniff(audio_ogg().content) == "audio/ogg"
    assert sniff(video_ogv().content) == "video/ogg"
    assert sniff(video_mkv().content) == "video/x-matroska"
    assert sniff(video_mp4().content) is None
    assert sniff(b"plain text") is None
