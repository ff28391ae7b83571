"""The outcome of one resilience check: passed or not, what was seen, and the figures measured."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CheckResult:
    """One check; `detail` says what happened in words a bug report can quote."""

    name: str
    passed: bool
    detail: str
    figures: dict[str, float | int | str] = field(default_factory=dict)

    def line(self) -> str:
        """One printable line."""
        figures = ", ".join(f"{key}={value}" for key, value in self.figures.items())
        verdict = "ok  " if self.passed else "FAIL"
        return f"{verdict} {self.name}: {self.detail}" + (f" [{figures}]" if figures else "")


def print_results(results: list[CheckResult]) -> int:
    """Print every result; exit status 0 when all passed, 1 otherwise."""
    for result in results:
        print(result.line())
    return 0 if all(result.passed for result in results) else 1
