"""HMAC-SHA256 checks and signatures exchanged with the recording server (talk-behaviour.md §4)."""

import base64
import hashlib
import hmac
import secrets

MIN_RANDOM_BYTES = 32


def checksum(secret: str, random: str | bytes, data: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of ``random ‖ data`` keyed with ``secret``."""
    random_bytes = random if isinstance(random, bytes) else random.encode("utf-8")
    return hmac.new(secret.encode("utf-8"), random_bytes + data, hashlib.sha256).hexdigest()


def is_valid(secret: str, random: bytes | None, given_checksum: bytes | None, data: bytes) -> bool:
    """Talk's validateBackendRequest: random ≥ 32 bytes, checksum non-empty, compared lower-cased."""
    if not random or not random_long_enough(random) or not given_checksum:
        return False
    expected = checksum(secret, random, data).encode("ascii")
    return hmac.compare_digest(expected, comparable_checksum(given_checksum))


def random_long_enough(random: bytes) -> bool:
    """The random of a signed request has at least 32 bytes."""
    return len(random) >= MIN_RANDOM_BYTES


def comparable_checksum(given: bytes) -> bytes:
    """Talk lower-cases the given checksum before comparing: uppercase hex is accepted."""
    return given.lower()


def new_random() -> str:
    """64 characters of ``[A-Za-z0-9+/]``, like ISecureRandom::generate(64)."""
    # Base64 of 48 random bytes: 64 characters, each six random bits, of exactly that alphabet.
    return base64.b64encode(secrets.token_bytes(48)).decode("ascii")
