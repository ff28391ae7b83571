"""Scenario tags: plain ones become pytest markers, key:value ones stay data, and what the profile skips."""

from __future__ import annotations

from collections.abc import Callable, Collection

import pytest

from conformance.protocol import SINCE_TAG, UNTIL_TAG

# Plain scenario tags that become pytest markers (the key:value tags do not, see pytest_bdd_apply_tag).
SUITE_MARKERS = {
    "admin": "needs the profile's admin account; skipped when the profile has none",
    "disruptive": "triggers brute-force protection or otherwise disturbs the target; runs alone",
    "exclusive": "changes global target state; runs alone (exclusive scenario lock)",
    "guest": "acts as a guest (no account)",
}
TAG_MARKER = "conformance_tag"


def register_markers(config: pytest.Config) -> None:
    """Declare the suite's markers (the runs use --strict-markers)."""
    for name, description in SUITE_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    config.addinivalue_line(
        "markers",
        f"{TAG_MARKER}(tag): a key:value scenario tag such as operation:recording-start, or the release"
        f" range {SINCE_TAG}:N / {UNTIL_TAG}:N",
    )


# tryfirst: the hook is firstresult, and pytest-bdd's own implementation (which makes every tag a
# marker) must not answer first; plugin load order differs between installs.
@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Callable[..., object]) -> object:
    """Keep key:value tags as data (a `conformance_tag` marker); plain tags stay pytest-bdd's markers."""
    if ":" not in tag:
        return None
    return getattr(pytest.mark, TAG_MARKER)(tag)(function)


def item_tags(item: pytest.Item) -> list[str]:
    """All scenario tags of an item: plain markers we registered plus the key:value tags."""
    tags = [mark.args[0] for mark in item.iter_markers(TAG_MARKER) if mark.args]
    tags += [mark.name for mark in item.iter_markers() if mark.name in SUITE_MARKERS]
    return sorted(set(tags))


def skip_tags_reason(tags: list[str], skip_tags: Collection[str]) -> str | None:
    """Why the profile's skip_tags skip a scenario with these tags; None when they do not."""
    skipped = [tag for tag in tags if tag in skip_tags]
    if skipped:
        return "skipped by the profile's skip_tags: " + ", ".join("@" + tag for tag in skipped)
    return None


def add_tag_properties(item: pytest.Item) -> list[str]:
    """Record the item's tags as user properties (the JUnit report shows them); the tags."""
    tags = item_tags(item)
    for tag in tags:
        item.user_properties.append(("tag", tag))
    return tags
