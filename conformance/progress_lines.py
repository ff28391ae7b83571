"""What a run prints while it runs: a line per finished scenario, and a notice before any long wait."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

# A wait longer than this is announced first (why, and for how long at most).
LONG_WAIT_SECONDS = 5.0
PREFIX = "talk-conformance: "
VERDICT_WIDTH = len("skipped")

_writer: Callable[[str], None] | None = None


def use_writer(writer: Callable[[str], None] | None) -> Callable[[str], None] | None:
    """Where notices go (the plugin gives a writer that gets past output capture); returns the last one.

    A pytest run started inside another (the project's own tests do) puts the outer writer back when it ends.
    """
    global _writer
    previous, _writer = _writer, writer
    return previous


def say(line: str) -> None:
    """One line of the run's own output; a notice never fails the scenario that announces a wait."""
    if _writer is not None:
        try:
            _writer(line)
            return
        except (OSError, ValueError):  # the terminal it wrote to is closed: stderr still reaches a person
            pass
    print(PREFIX + line, file=sys.stderr, flush=True)


def duration(seconds: float) -> str:
    """`4.2 s`, `3 min 40 s`: a wait or a scenario's time in words a person reads at a glance."""
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def announce_wait(reason: str, at_most: float) -> None:
    """Before a wait that may last longer than LONG_WAIT_SECONDS: say why and how long at most."""
    if at_most > LONG_WAIT_SECONDS:
        say(f"waiting up to {duration(at_most)}: {reason}")


def location(source: dict[str, Any] | None, fallback: str) -> str:
    """`features/failed_recording.feature:23` of a bundled scenario; the test id of anything else."""
    if not source or not source.get("path"):
        return fallback
    return f"features/{source['path']}:{source['line']}"


def scenario_line(verdict: str, seconds: float, where: str, feature: str, name: str, reason: str = "") -> str:
    """One finished scenario: verdict, seconds, where it is written, feature and title; a skip says why."""
    line = f"{verdict.upper():<{VERDICT_WIDTH}} {duration(seconds):>8}  {where}  {feature}: {name}"
    if reason and verdict in ("skipped",):
        line += f" ({reason.splitlines()[0]})"
    return line
