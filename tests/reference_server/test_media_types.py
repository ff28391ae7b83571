"""Content sniffing and the extension rules."""

import pytest
from reference_helpers import MKV, MP4, OGG_AUDIO, OGG_VIDEO, WEBM

from reference_server.media_types import extension_matches, sniff


@pytest.mark.parametrize(
    ("head", "mimetype"),
    [
        (WEBM, "video/webm"),
        (MKV, "video/x-matroska"),
        (OGG_AUDIO, "audio/ogg"),
        (OGG_VIDEO, "video/ogg"),
        (MP4, "video/mp4"),
        (b"OggS" + b"\x00" * 60, "application/ogg"),
        (b"\x00\x00\x00\x18ftypM4A ", "audio/x-m4a"),
        (b"\x1a\x45\xdf\xa3", "application/octet-stream"),
        (b"\x1a\x45\xdf\xa3\x84\x42\x82\x81x", "application/octet-stream"),
        (b"", "application/x-empty"),
        (b"RIFF....WAVE", "application/octet-stream"),
    ],
)
def test_sniff(head, mimetype):
    assert sniff(head) == mimetype


def test_extensions():
    assert extension_matches("video/webm", "Recording 2026-01-01 10-00-00.WEBM")
    assert extension_matches("audio/ogg", "a.b.ogg")
    assert not extension_matches("audio/ogg", "a.ogv")
    assert not extension_matches("video/ogg", "a.ogg")
    assert not extension_matches("video/mp4", "mp4")
    assert not extension_matches("application/ogg", "a.ogg")
