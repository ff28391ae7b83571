"""The shared-secret signature both sides use: HMAC-SHA256 over random + data, lowercase hex."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_random() -> str:
    """86 characters of base64url, as upstream's `secrets.token_urlsafe(64)`."""
    return secrets.token_urlsafe(64)


def checksum(secret: str, random: str, data: bytes) -> str:
    """Lowercase hex HMAC-SHA256 keyed with the secret over random followed by data."""
    return hmac.new(secret.encode("utf-8"), random.encode("utf-8") + data, hashlib.sha256).hexdigest()


def matches(secret: str, random: str, data: bytes, received: str) -> bool:
    """Constant-time comparison with the expected checksum; like upstream it is case-sensitive (R2)."""
    return hmac.compare_digest(checksum(secret, random, data).encode(), received.encode("utf-8", "replace"))
