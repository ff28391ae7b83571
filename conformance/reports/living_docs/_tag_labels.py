"""Scenario tags in words: states by name, operations by method and path."""

from __future__ import annotations

from conformance.protocol import STATE_NAMES


def tag_words(tag: str, operations: dict[str, str]) -> str:
    """E.g. `transition:5-4` -> "failed → starting audio", `operation:recording-start` -> "POST /…"."""
    key, _, value = tag.partition(":")
    if key == "transition":
        origin, _, target = value.partition("-")
        if origin.isdigit() and target.isdigit():
            return f"{_state(origin)} → {_state(target)}"
    if key == "operation" and value in operations:
        return operations[value]
    if key == "status" and value.isdigit():
        return f"HTTP {value}"
    if key == "error":
        return f"error {value}"
    if key in ("since-talk", "until-talk") and value.isdigit():
        return f"Talk {value} and later" if key == "since-talk" else f"Talk {value} and earlier"
    return tag


def _state(number: str) -> str:
    return STATE_NAMES.get(int(number), number)
