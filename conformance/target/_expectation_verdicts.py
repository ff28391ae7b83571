"""An expected failure counts only with the pinned answer; any other failure is "failed differently"."""

from __future__ import annotations

from typing import Any

from conformance.outcomes import FAILED_DIFFERENTLY
from conformance.protocol import Answer
from conformance.target._expectations import Expectation

NO_JUDGED_ANSWER = "no answer (the failing step judged no request's answer)"


def expected_side(entry: Expectation, file_name: str) -> str:
    """E.g. "expected (per nextcloud-33.yaml entry 3, register D16): HTTP 400 / OCS 400 / unknown_type"."""
    register = f", register {entry.register}" if entry.register else ""
    pinned = entry.observed.describe() if entry.observed is not None else "any failure"
    return f"expected (per {file_name} entry {entry.index}{register}): {pinned}"


def failed_differently(entry: Expectation, file_name: str, judged: Answer | None) -> str | None:
    """None when the failure is the one the entry pins (or it pins none); otherwise what differs, one line."""
    if entry.observed is None or judged == entry.observed:
        return None
    actual = judged.describe() if judged is not None else NO_JUDGED_ANSWER
    return f"{FAILED_DIFFERENTLY}: {expected_side(entry, file_name)}; actual: {actual}"


def judged_answer(data: Any) -> Answer | None:
    """The judged answer kept in a report's data (None when the step judged none, or it is malformed)."""
    if not isinstance(data, dict) or not isinstance(data.get("status"), int):
        return None
    return Answer.from_dict(data)
