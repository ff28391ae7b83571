"""Keep deliberate bad signatures from locking the fuzzer out (429) where the target lets us reset."""

from __future__ import annotations

import threading

import requests

from conformance.fuzz._operations import operation_kind
from conformance.target import TalkSession, reset_brute_force

# Talk answers 429 once more than 10 attempts happened within 30 minutes; reset well before that.
RESET_EVERY = 4


class BruteForceGuard:
    """Counts answers that register a brute-force attempt and clears the attempts every few of them."""

    def __init__(self, admin: TalkSession | None) -> None:
        self._admin = admin
        self._lock = threading.Lock()
        self._attempts = 0
        self.resets = 0
        self.supported = admin is not None and reset_brute_force(admin)

    def note(self, response: requests.Response) -> None:
        """Look at one response of the target; reset when enough attempts piled up."""
        if not self.supported or not _registers_attempt(response):
            return
        with self._lock:
            self._attempts += 1
            if self._attempts < RESET_EVERY:
                return
            self._attempts = 0
            self.resets += 1
        assert self._admin is not None
        reset_brute_force(self._admin)

    def reset_now(self) -> bool:
        """Clear the attempts now (between phases); False when the target offers no reset."""
        if not self.supported:
            return False
        assert self._admin is not None
        with self._lock:
            self._attempts = 0
            self.resets += 1
        return reset_brute_force(self._admin)

    def hook(self, response: requests.Response, *args: object, **kwargs: object) -> requests.Response:
        """As a requests response hook."""
        self.note(response)
        return response


def _registers_attempt(response: requests.Response) -> bool:
    request = response.request
    kind = operation_kind(request.method or "", request.url or "") if request is not None else None
    if kind == "store":
        return response.status_code == 401
    if kind == "backend":
        return response.status_code in (403, 404)
    return False
