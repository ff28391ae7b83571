"""Verdicts: a broken setup is an error, never a conformance failure."""

from __future__ import annotations

import enum

# An expected failure whose judged answer is not the pinned one: a verdict of its own in every report.
FAILED_DIFFERENTLY = "failed differently"


class Verdict(enum.IntEnum):
    """Result lattice: a combined result is the maximum of its parts."""

    SKIPPED = 0
    PASSED = 1
    FAILED = 2
    ERROR = 3


class SetupError(Exception):
    """Preparing or cleaning up state failed; the target's conformance is unknown, not violated."""


class Unsupported(Exception):
    """The target does not offer a capability the scenario needs (e.g. recording-v1)."""
