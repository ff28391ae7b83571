"""Sending reports and uploads to Talk over HTTP, with upstream's headers and a bounded retry."""

from __future__ import annotations

import logging

import httpx

from reference_recording_server import __version__
from reference_recording_server.talk_reports import Signed

USER_AGENT = f"Nextcloud-Talk-Recording/{__version__}"
ATTEMPTS = 3
logger = logging.getLogger("reference_recording_server.talk")


class ReportRefused(Exception):
    """Talk did not accept a report or an upload (an HTTP status of 400 or more, or no answer)."""


class TalkClient:
    """One connection pool for every report and upload of the process."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def post(self, url: str, content_type: str, signed: Signed) -> None:
        """POST a signed body; retried on no answer or 5xx only, since a 4xx will not change (R4)."""
        if self._client is None:  # created on first use, inside the server's event loop
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False, trust_env=False)
        headers = {
            "Content-Type": content_type,
            "OCS-ApiRequest": "true",  # upstream's spelling; header names are case-insensitive
            "Talk-Recording-Random": signed.random,
            "Talk-Recording-Checksum": signed.checksum,
            "User-Agent": USER_AGENT,
        }
        problem = ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = await self._client.post(url, content=signed.body, headers=headers)
            except httpx.HTTPError as exc:
                problem = f"no answer ({type(exc).__name__})"
            else:
                if response.status_code < 400:
                    return
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500:
                    break
            logger.warning("POST %s attempt %d of %d: %s", url, attempt, ATTEMPTS, problem)
        raise ReportRefused(f"POST {url}: {problem}")

    async def close(self) -> None:
        """Close the pool (server shutdown)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
