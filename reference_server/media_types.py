"""Content sniffing for recordings, mimicking what libmagic reports, and upstream's extension rules."""

# The recording formats Talk 22 stores, each with the one extension its file name must have.
TALK_22_FORMATS = {
    "audio/ogg": "ogg",
    "video/ogg": "ogv",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
}
SNIFF_BYTES = 64 * 1024
_OGG_AUDIO_CODECS = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_DOCTYPE_ID = b"\x42\x82"


def _ogg(head: bytes) -> str:
    # The first page(s) carry the codec identification headers; Theora anywhere there means video.
    if b"\x80theora" in head:
        return "video/ogg"
    if any(codec in head for codec in _OGG_AUDIO_CODECS):
        return "audio/ogg"
    return "application/ogg"


def _read_vint(data: bytes, pos: int) -> tuple[int, int] | None:
    """An EBML variable-size integer at ``pos``: (value, length) or None."""
    if pos >= len(data):
        return None
    first = data[pos]
    for length in range(1, 9):
        if first & (0x80 >> (length - 1)):
            break
    else:
        return None
    if pos + length > len(data):
        return None
    value = first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    return value, length


def _ebml(head: bytes) -> str:
    size = _read_vint(head, 4)
    if size is None:
        return "application/octet-stream"
    header_end = min(len(head), 4 + size[1] + size[0])
    pos = 4 + size[1]
    while pos + 2 < header_end:
        element_id_len = 2 if head[pos] & 0x40 else (1 if head[pos] & 0x80 else 3)
        element_id = head[pos : pos + element_id_len]
        length = _read_vint(head, pos + element_id_len)
        if length is None:
            break
        start = pos + element_id_len + length[1]
        if element_id == _DOCTYPE_ID:
            doctype = head[start : start + length[0]].rstrip(b"\x00")
            if doctype == b"webm":
                return "video/webm"
            if doctype == b"matroska":
                return "video/x-matroska"
            break
        pos = start + length[0]
    return "application/octet-stream"


def _mp4(head: bytes) -> str:
    brand = head[8:12]
    if brand in (b"M4A ", b"M4B "):
        return "audio/x-m4a"
    if brand == b"qt  ":
        return "video/quicktime"
    if brand.startswith(b"3g"):
        return "video/3gpp"
    return "video/mp4"


def sniff(head: bytes) -> str:
    """The MIME type of a file from its first bytes."""
    if head.startswith(b"OggS"):
        return _ogg(head)
    if head.startswith(_EBML_MAGIC):
        return _ebml(head)
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _mp4(head)
    if not head:
        return "application/x-empty"
    return "application/octet-stream"


def extension_of(name: str) -> str:
    """PHP ``pathinfo(PATHINFO_EXTENSION)`` lower-cased: text after the last dot, '' if none."""
    base = name.rsplit("/", 1)[-1]
    if "." not in base:
        return ""
    return base.rsplit(".", 1)[1].lower()


def recording_formats(talk_version: int) -> dict[str, str]:
    """The types store accepts, each with its extension; since Talk 23 MP4 is one (Talk 22: file_mimetype)."""
    if talk_version >= 23:
        return {**TALK_22_FORMATS, "video/mp4": "mp4"}
    return TALK_22_FORMATS


def extension_matches(formats: dict[str, str], mimetype: str, name: str) -> bool:
    """Upstream's rule: the extension must be the one allowed for the sniffed type."""
    return formats.get(mimetype) == extension_of(name)
