"""The "recording": a small but real media file of the kind the start asked for, made without any media."""

from __future__ import annotations

from datetime import datetime

from conformance.protocol import audio_ogg, video_webm

RECORDING_STATUS_AUDIO_ONLY = 2
NOT_A_RECORDING = b"This is not a recording: the upload_refused fault is on.\n"


def file_name(started_at: datetime, status: object) -> str:
    """Upstream's name: `Recording YYYY-MM-DD HH-MM-SS` with .ogg for audio only, .webm otherwise."""
    extension = "ogg" if status == RECORDING_STATUS_AUDIO_ONLY else "webm"
    return f"Recording {started_at:%Y-%m-%d %H-%M-%S}.{extension}"


def file_content(status: object, refused: bool = False) -> bytes:
    """Ogg/Opus for audio only, WebM for audio and video; plain text when the upload is to be refused."""
    if refused:
        return NOT_A_RECORDING
    if status == RECORDING_STATUS_AUDIO_ONLY:
        return audio_ogg().content
    return video_webm().content
