"""HMAC signatures exactly as the Nextcloud Talk recording server makes them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

RANDOM_HEADER = "Talk-Recording-Random"
CHECKSUM_HEADER = "Talk-Recording-Checksum"

# Talk rejects a random shorter than this many bytes (PHP strlen).
MINIMUM_RANDOM_BYTES = 32


@dataclass(frozen=True)
class Signature:
    """A random and the checksum that goes with it; either may be None (header left out)."""

    random: str | None
    checksum: str | None

    def headers(self) -> dict[str, str]:
        """The signature as request headers; a None part is simply not sent."""
        headers = {}
        if self.random is not None:
            headers[RANDOM_HEADER] = self.random
        if self.checksum is not None:
            headers[CHECKSUM_HEADER] = self.checksum
        return headers


def new_random() -> str:
    """86 characters of base64url, like `secrets.token_urlsafe(64)` in the recording server."""
    return secrets.token_urlsafe(64)


def checksum(secret: str, random: str, data: bytes) -> str:
    """Lowercase hex HMAC-SHA256 keyed with the secret over random followed by data."""
    return hmac.new(secret.encode("utf-8"), random.encode("utf-8") + data, hashlib.sha256).hexdigest()


def verify_checksum(secret: str, random: str, data: bytes, received: str) -> bool:
    """True when the received checksum is exactly (lowercase) what the secret produces."""
    return hmac.compare_digest(checksum(secret, random, data), received)


def sign(secret: str, data: bytes, random: str | None = None) -> Signature:
    """A valid signature over data (the raw body for callbacks, the room token for store)."""
    random = new_random() if random is None else random
    return Signature(random, checksum(secret, random, data))


def sign_store(secret: str, token: str, random: str | None = None) -> Signature:
    """A valid signature for an upload: the multipart body is not signed, the room token is."""
    return sign(secret, token.encode("utf-8"), random)


# Deliberately broken signatures, each wrong in exactly one way.


def signature_with_short_random(secret: str, data: bytes) -> Signature:
    """Correct HMAC, but a random one byte shorter than Talk's minimum."""
    return sign(secret, data, random=new_random()[: MINIMUM_RANDOM_BYTES - 1])


def signature_with_wrong_secret(secret: str, data: bytes) -> Signature:
    """Well-formed, but keyed with a secret that differs from the shared one."""
    return sign(secret + "-not-the-shared-secret", data)


def signature_with_uppercase_checksum(secret: str, data: bytes) -> Signature:
    """Correct HMAC written in uppercase hex, which Talk accepts (it lowercases before comparing)."""
    valid = sign(secret, data)
    return Signature(valid.random, valid.checksum.upper())


def signature_without_random(secret: str, data: bytes) -> Signature:
    """The checksum header alone."""
    return Signature(None, sign(secret, data).checksum)


def signature_without_checksum(secret: str, data: bytes) -> Signature:
    """The random header alone."""
    return Signature(new_random(), None)
