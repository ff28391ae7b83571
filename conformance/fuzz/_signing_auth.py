"""Sign `store` and `backend` requests like the recording server does, over the bytes actually sent."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import requests

RANDOM_HEADER = "Talk-Recording-Random"
CHECKSUM_HEADER = "Talk-Recording-Checksum"

# Only a checksum that already looks like a valid one (64 hex digits, the contract's pattern) is
# replaced: negative cases that mangled, truncated or dropped the headers reach the target as generated.
_SIGNABLE_CHECKSUM = re.compile(r"[0-9a-fA-F]{64}")
_STORE_PATH = re.compile(r"/recording/(?P<token>[^/]+)/store$")
_BACKEND_PATH = re.compile(r"/recording/backend$")


def checksum(secret: str, random: str | bytes, data: bytes) -> str:
    """Lower-case hex HMAC-SHA256 of random ‖ data, the value Talk expects."""
    # http.client sends header values as latin-1, so that is the byte string the target sees.
    random_bytes = random if isinstance(random, bytes) else random.encode("latin-1")
    return hmac.new(secret.encode(), random_bytes + data, hashlib.sha256).hexdigest()


def signed_data(url: str, body: bytes | str | None) -> bytes | None:
    """What Talk signs for this request: the raw body (backend), the path token (store), else None."""
    path = urlsplit(url).path
    if _BACKEND_PATH.search(path):
        if body is None:
            return b""
        return body if isinstance(body, bytes) else body.encode()
    match = _STORE_PATH.search(path)
    if match:
        return unquote(match.group("token")).encode()
    return None


class RecordingSignatureAuth(requests.auth.AuthBase):
    """requests auth that re-signs the checksum header over the prepared request's exact bytes."""

    def __init__(self, secret: str, on_response: Callable[..., object] | None = None) -> None:
        self._secret = secret
        self._on_response = on_response

    def __repr__(self) -> str:
        return "RecordingSignatureAuth(secret=<redacted>)"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._on_response is not None:
            request.register_hook("response", self._on_response)
        random = request.headers.get(RANDOM_HEADER)
        current = request.headers.get(CHECKSUM_HEADER)
        if random is None or current is None or not _SIGNABLE_CHECKSUM.fullmatch(str(current)):
            return request
        data = signed_data(request.url or "", request.body)  # type: ignore[arg-type]
        if data is None:
            return request
        raw_random = random if isinstance(random, bytes) else str(random)
        # A random that latin-1 cannot carry is not sendable anyway; the transport reports it.
        with contextlib.suppress(UnicodeEncodeError):
            signed = checksum(self._secret, raw_random, data)
            # An all-uppercase checksum stays uppercase: Talk must accept that spelling too.
            upper = str(current).isupper()
            request.headers[CHECKSUM_HEADER] = signed.upper() if upper else signed
        return request
