"""Small well-formed recordings generated in code, and deliberately wrong uploads."""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """An upload: the file name the recording server sends and the bytes of the file."""

    filename: str
    content: bytes
    mimetype: str  # what content sniffing should find ("" when it should find nothing accepted)


# --- EBML (WebM / Matroska) ---------------------------------------------------------------------


def _ebml_size(length: int) -> bytes:
    # The shortest descriptor: libmagic expects a one-byte size right after the DocType id.
    for width in range(1, 9):
        if length < (1 << (7 * width)) - 1:
            return ((1 << (7 * width)) | length).to_bytes(width, "big")
    raise ValueError("element too large")


def _ebml_element(element_id: int, payload: bytes) -> bytes:
    id_bytes = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return id_bytes + _ebml_size(len(payload)) + payload


def _ebml_uint(element_id: int, value: int) -> bytes:
    return _ebml_element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _ebml_document(doctype: str) -> bytes:
    header = _ebml_element(
        0x1A45DFA3,
        _ebml_uint(0x4286, 1)  # EBMLVersion
        + _ebml_uint(0x42F7, 1)  # EBMLReadVersion
        + _ebml_uint(0x42F2, 4)  # EBMLMaxIDLength
        + _ebml_uint(0x42F3, 8)  # EBMLMaxSizeLength
        + _ebml_element(0x4282, doctype.encode("ascii"))  # DocType
        + _ebml_uint(0x4287, 4)  # DocTypeVersion
        + _ebml_uint(0x4285, 2),  # DocTypeReadVersion
    )
    info = _ebml_element(
        0x1549A966,
        _ebml_uint(0x2AD7B1, 1_000_000)  # TimestampScale
        + _ebml_element(0x4D80, b"talk-conformance")  # MuxingApp
        + _ebml_element(0x5741, b"talk-conformance"),  # WritingApp
    )
    return header + _ebml_element(0x18538067, info)  # Segment


def webm_bytes() -> bytes:
    """An EBML document with DocType `webm`."""
    return _ebml_document("webm")


def matroska_bytes() -> bytes:
    """An EBML document with DocType `matroska`."""
    return _ebml_document("matroska")


# --- Ogg ------------------------------------------------------------------------------------------


def _ogg_crc(data: bytes) -> int:
    # Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0, no final xor.
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(packet: bytes, serial: int = 0x7A1C, sequence: int = 0, beginning: bool = True) -> bytes:
    if len(packet) >= 255:
        raise ValueError("one-segment pages only")
    header = struct.pack(
        "<4sBBqIIIB", b"OggS", 0, 0x02 if beginning else 0x00, 0, serial, sequence, 0, 1
    ) + bytes([len(packet)])
    page = header + packet
    crc = _ogg_crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def ogg_opus_bytes() -> bytes:
    """An Ogg page carrying an OpusHead identification header."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 2, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 16) + b"talk-conformance" + struct.pack("<I", 0)
    return _ogg_page(head) + _ogg_page(tags, sequence=1, beginning=False)


def ogg_theora_bytes() -> bytes:
    """An Ogg page carrying a Theora identification header (video)."""
    ident = (
        b"\x80theora"
        + bytes([3, 2, 1])  # version 3.2.1
        + struct.pack(">HH", 20, 15)  # frame size in macroblocks
        + (320).to_bytes(3, "big")
        + (240).to_bytes(3, "big")  # picture size
        + bytes([0, 0])  # picture offset
        + struct.pack(">II", 30, 1)  # frame rate
        + (1).to_bytes(3, "big")
        + (1).to_bytes(3, "big")  # aspect ratio
        + bytes([0])  # colour space
        + (0).to_bytes(3, "big")  # nominal bitrate
        + struct.pack(">H", (38 << 10) | (6 << 5))  # quality, keyframe shift, pixel format
    )
    return _ogg_page(ident)


# --- MP4 ------------------------------------------------------------------------------------------


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes() -> bytes:
    """An ISO base media file: `ftyp` at offset 4, then an empty `free` and `mdat`."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41")
    return ftyp + _box(b"free", b"") + _box(b"mdat", b"\x00" * 16)


# --- Samples --------------------------------------------------------------------------------------

_STAMP = "Recording 2026-06-27 10-00-00"

# The formats a recording comes in: media type -> file extension, and the bytes of a small well-formed file.
_FORMATS = {
    "video/webm": (".webm", webm_bytes),
    "audio/ogg": (".ogg", ogg_opus_bytes),
    "video/ogg": (".ogv", ogg_theora_bytes),
    "video/x-matroska": (".mkv", matroska_bytes),
    "video/mp4": (".mp4", mp4_bytes),
}


def recording(mimetype: str) -> Sample:
    """A well-formed recording in one of the formats, named as the recording server names its files."""
    extension, content = _FORMATS[mimetype]
    return Sample(f"{_STAMP}{extension}", content(), mimetype)


# What the recording server uploads after a video recording, and after an audio-only one.
video_webm = functools.partial(recording, "video/webm")
audio_ogg = functools.partial(recording, "audio/ogg")
# The other formats a recording may come in, for the scenarios that upload each one.
video_ogv = functools.partial(recording, "video/ogg")
video_mkv = functools.partial(recording, "video/x-matroska")
video_mp4 = functools.partial(recording, "video/mp4")


def text_file() -> Sample:
    """Plain text: no accepted recording format (file_mimetype)."""
    return Sample(f"{_STAMP}.webm", b"This is not a recording, just some notes.\n", "")


def webm_named_ogg() -> Sample:
    """A WebM file whose name claims Ogg (file_extension)."""
    return Sample(f"{_STAMP}.ogg", webm_bytes(), "video/webm")


def webm_without_extension() -> Sample:
    """A WebM file with no extension at all (file_extension)."""
    return Sample(_STAMP, webm_bytes(), "video/webm")


def empty_file() -> Sample:
    """Zero bytes (empty_file)."""
    return Sample(f"{_STAMP}.webm", b"", "")


def oversized_webm(limit_bytes: int) -> Sample:
    """A WebM file one KiB larger than the given upload limit (invalid_file)."""
    document = webm_bytes()
    # Trailing EBML Void element padding keeps the file well-formed at any size.
    padding = max(0, limit_bytes + 1024 - len(document) - 9)
    return Sample(f"{_STAMP}.webm", document + _ebml_element(0xEC, b"\x00" * padding), "video/webm")
