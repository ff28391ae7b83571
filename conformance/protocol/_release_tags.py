"""The scenario tags that scope a scenario to Talk releases: @since-talk:N and @until-talk:N (inclusive)."""

from __future__ import annotations

from collections.abc import Iterable

SINCE_TAG = "since-talk"
UNTIL_TAG = "until-talk"


class ReleaseTagError(ValueError):
    """A @since-talk / @until-talk tag that names no release number."""


def release_range(tags: Iterable[str]) -> tuple[int | None, int | None]:
    """(first, last) release a scenario holds for, from its since-talk:N / until-talk:N tags (inclusive)."""
    bounds: dict[str, int | None] = {SINCE_TAG: None, UNTIL_TAG: None}
    for tag in tags:
        key, _, value = tag.removeprefix("@").partition(":")
        if key not in bounds:
            continue
        if not value.isdigit():
            raise ReleaseTagError(f"the tag @{key}:{value} must name a Talk major release, e.g. @{key}:23")
        bounds[key] = int(value)
    first, last = bounds[SINCE_TAG], bounds[UNTIL_TAG]
    if first is not None and last is not None and first > last:
        raise ReleaseTagError(f"the tags @{SINCE_TAG}:{first} and @{UNTIL_TAG}:{last} leave no release")
    return first, last


def holds_for(bounds: tuple[int | None, int | None], release: int) -> bool:
    """Whether a scenario with these release bounds applies to a Talk major release."""
    first, last = bounds
    return (first is None or release >= first) and (last is None or release <= last)
