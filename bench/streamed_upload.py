"""A multipart store body produced by a generator, so the client never holds the recording in memory."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import requests

from conformance.protocol import sign_store, webm_bytes
from conformance.target import API_PATH, USER_AGENT

CHUNK = 1024 * 1024


class StreamedStoreBody:
    """Iterable multipart body of a WebM header padded to `size` bytes; its length is known in advance."""

    def __init__(
        self,
        owner: str,
        size: int,
        filename: str = "Recording 2026-01-01 10-00-00.webm",
        pause: float = 0.0,
        on_chunk: Callable[[int], None] | None = None,
    ) -> None:
        self.boundary = uuid.uuid4().hex
        self.head = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="owner"\r\n\r\n{owner}\r\n'
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n\r\n'
        ).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.size = size
        self.pause = pause
        self.on_chunk = on_chunk

    @property
    def content_type(self) -> str:
        """The Content-Type header value."""
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        # requests sends Content-Length (not chunked encoding) for an iterable that has a length.
        return len(self.head) + self.size + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        media = webm_bytes()[: self.size]
        sent = len(media)
        yield media
        zeros = bytes(CHUNK)
        while sent < self.size:
            piece = zeros[: min(CHUNK, self.size - sent)]
            sent += len(piece)
            if self.on_chunk is not None:
                self.on_chunk(sent)
            if self.pause:
                time.sleep(self.pause)
            yield piece
        yield self.tail


def store_streamed(
    base_url: str, secret: str, token: str, body: StreamedStoreBody, timeout: float = 600
) -> requests.Response:
    """POST the streamed body to the store endpoint, signed over the room token like the recording server."""
    headers = {
        "Content-Type": body.content_type,
        "OCS-APIRequest": "true",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        **sign_store(secret, token).headers(),
    }
    return requests.post(f"{base_url}{API_PATH}/{token}/store", data=body, headers=headers, timeout=timeout)
