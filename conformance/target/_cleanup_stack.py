"""The clean-ups of a set-up, undone last first: each gets its turn, and what went wrong is listed."""

from __future__ import annotations

from collections.abc import Callable


class CleanupStack:
    """Clean-ups pushed while something is set up; `unwind` runs them in reverse order, once."""

    def __init__(self) -> None:
        self._cleanups: list[tuple[str, Callable[[], object]]] = []

    def push(self, what: str, cleanup: Callable[[], object]) -> None:
        """Remember `cleanup`; `what` names it in a problem ("stopping the fake recording server")."""
        self._cleanups.append((what, cleanup))

    def unwind(self) -> list[str]:
        """Run every clean-up, newest first; the problems, one line each ("what: error")."""
        problems = []
        for what, cleanup in reversed(self._cleanups):
            try:
                cleanup()
            except Exception as exc:  # noqa: BLE001 - every clean-up gets its turn
                problems.append(f"{what}: {exc}")
        self._cleanups.clear()
        return problems
