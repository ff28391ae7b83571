"""Content sniffing and the extension rules."""

import pytest
from reference_helpers import MKV, MP4, OGG_AUDIO, OGG_VIDEO, WEBM

from reference_server.media_types import extension_matches, recording_formats, sniff


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
    formats = recording_formats(23)
    assert extension_matches(formats, "video/webm", "Recording 2026-01-01 10-00-00.WEBM")
    assert extension_matches(formats, "audio/ogg", "a.b.ogg")
    assert extension_matches(formats, "video/mp4", "a.mp4")
    assert not extension_matches(formats, "audio/ogg", "a.ogv")
    assert not extension_matches(formats, "video/ogg", "a.ogg")
    assert not extension_matches(formats, "video/mp4", "mp4")
    assert not extension_matches(formats, "video/mp4", "a.m4v")
    assert not extension_matches(formats, "application/ogg", "a.ogg")


@pytest.mark.parametrize(
    ("talk_version", "accepted"),
    [
        # real-talk-23/README.md: Talk 23 stores .ogg, .ogv, .mp4, .webm and .mkv; Talk 22 refused MP4.
        (22, {"audio/ogg": "ogg", "video/ogg": "ogv", "video/webm": "webm", "video/x-matroska": "mkv"}),
        (
            23,
            {
                "audio/ogg": "ogg",
                "video/ogg": "ogv",
                "video/mp4": "mp4",
                "video/webm": "webm",
                "video/x-matroska": "mkv",
            },
        ),
    ],
)
def test_the_formats_store_accepts_depend_on_the_release(talk_version, accepted):
    assert recording_formats(talk_version) == accepted
    assert not extension_matches(recording_formats(22), "video/mp4", "a.mp4")
