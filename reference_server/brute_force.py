"""Nextcloud's brute-force throttle (talk-behaviour.md §4.5), attempts kept in SQLite."""

import asyncio
import time

from reference_server.config import BruteForceSettings
from reference_server.database import Database

SECRET_ACTION = "talkRecordingSecret"  # noqa: S105 (an action name)
STATUS_ACTION = "talkRecordingStatus"
BASE_DELAY_MS = 100
MAX_DELAY_MS = 25_000
DELAY_WINDOW_SECONDS = 12 * 3600
MAX_ATTEMPTS_WINDOW_SECONDS = 30 * 60


class MaxDelayReached(Exception):
    """Too many attempts: the request must be answered 429 without running."""


class Throttler:
    """Counts failed attempts per (IP, action) and computes the delay to sleep."""

    def __init__(self, database: Database, settings: BruteForceSettings):
        self.database = database
        self.settings = settings

    def _attempts(self, ip: str, action: str, window: float) -> int:
        row = self.database.one(
            "SELECT COUNT(*) AS n FROM bruteforce_attempts WHERE ip = ? AND action = ? AND occurred > ?",
            ip,
            action,
            time.time() - window,
        )
        return row["n"]

    def delay_ms(self, ip: str, action: str) -> int:
        """100 ms × 2^attempts (12 h window), capped at 25 s; 0 without attempts."""
        if not self.settings.enabled:
            return 0
        attempts = self._attempts(ip, action, DELAY_WINDOW_SECONDS)
        if attempts == 0:
            return 0
        return MAX_DELAY_MS if attempts >= 8 else min(MAX_DELAY_MS, BASE_DELAY_MS * 2**attempts)

    def register(self, ip: str, action: str) -> None:
        """Record one failed attempt."""
        if not self.settings.enabled:
            return
        now = time.time()
        # Attempts older than the delay window never count again; keep the table small.
        self.database.run("DELETE FROM bruteforce_attempts WHERE occurred < ?", now - DELAY_WINDOW_SECONDS)
        self.database.run(
            "INSERT INTO bruteforce_attempts (ip, action, occurred) VALUES (?, ?, ?)", ip, action, now
        )

    async def sleep_or_raise(self, ip: str, action: str) -> int:
        """Sleep the current delay (not in testing mode) or raise MaxDelayReached; returns the ms slept."""
        delay = self.delay_ms(ip, action)
        if delay == 0:
            return 0
        recent = self._attempts(ip, action, MAX_ATTEMPTS_WINDOW_SECONDS)
        if delay >= MAX_DELAY_MS and over_attempt_limit(recent, self.settings.max_attempts):
            raise MaxDelayReached(action)
        if self.settings.testing:
            return 0
        await asyncio.sleep(delay / 1000)
        return delay

    def reset(self) -> None:
        """Forget every attempt (``occ security:bruteforce:reset``)."""
        self.database.run("DELETE FROM bruteforce_attempts")


def over_attempt_limit(recent_attempts: int, max_attempts: int) -> bool:
    """More attempts within the window than allowed: at the maximum delay the action is refused (429)."""
    return recent_attempts > max_attempts
