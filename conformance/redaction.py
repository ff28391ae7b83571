"""Remove the recording secret, passwords, Authorization and cookie values from all the suite outputs."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Any

MASK = "[REDACTED]"

# "Authorization: Basic xyz", "'Authorization': 'Bearer xyz'" and the like, as printed by
# requests, curl commands and repr() of header dicts.
_AUTH_HEADER = re.compile(
    r"""(?P<name>["']?(?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?P<value>[^"'\r\n,}]+)""",
    re.IGNORECASE,
)


# "Cookie: a=1; b=2", "Set-Cookie: a=1; Path=/", "'Cookie': 'a=1'": session cookies are credentials too.
_COOKIE_HEADER = re.compile(
    r"""(?P<name>["']?(?:set-)?cookie["']?\s*[:=]\s*["']?)(?P<value>[^"'\r\n}]+)""", re.IGNORECASE
)
_COOKIE_PAIR = re.compile(r"(?P<key>[^=;,\s]+)=(?P<value>[^;,\s]*)")


def _mask_cookies(match: re.Match[str]) -> str:
    # Names stay readable (which cookie was sent); values are what would let someone in.
    return match["name"] + _COOKIE_PAIR.sub(lambda pair: f"{pair['key']}={MASK}", match["value"])


# Credentials inside a URL: http://user:password@host/
_URL_PASSWORD = re.compile(
    r"(?P<prefix>[a-z][a-z0-9+.-]*://[^/\s:@]+:)(?P<password>[^/\s@]+)(?=@)", re.IGNORECASE
)


class Redactor:
    """Replaces known secrets (and values derived from them) with a mask."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        """Also hide these values (empty strings are ignored)."""
        for secret in secrets:
            if secret and secret not in self._secrets:
                self._secrets.append(secret)
        # Longest first, so a secret containing another one is masked whole.
        self._secrets.sort(key=len, reverse=True)

    def text(self, value: str) -> str:
        """Redacted copy of a string."""
        value = _AUTH_HEADER.sub(lambda m: m["name"] + MASK, value)
        value = _COOKIE_HEADER.sub(_mask_cookies, value)
        value = _URL_PASSWORD.sub(lambda m: m["prefix"] + MASK, value)
        for secret in self._secrets:
            for variant in _variants(secret):
                value = value.replace(variant, MASK)
        return value

    def data(self, value: Any) -> Any:
        """Redacted deep copy of JSON-like data (dict keys are kept, values masked)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value


def _variants(secret: str) -> tuple[str, ...]:
    # A secret can leak in encoded form: URL-encoded in a form body, escaped in JSON/repr.
    quoted = secret.replace(" ", "%20")
    plus = secret.replace(" ", "+")
    b64 = base64.b64encode(secret.encode()).decode()
    return tuple(dict.fromkeys((secret, quoted, plus, b64)))
