"""The outcome of one resilience check: passed, failed or skipped (with why), and the figures measured."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CheckResult:
    """One check; `detail` says what happened in words a bug report can quote."""

    name: str
    passed: bool
    detail: str
    figures: dict[str, float | int | str] = field(default_factory=dict)
    skipped: bool = False  # the check could not run here; `detail` says why, and it is not a pass

    @classmethod
    def skip(cls, name: str, why: str) -> CheckResult:
        """A check that could not run: neither ok nor a failure."""
        return cls(name, False, f"skipped: {why}", skipped=True)

    @property
    def verdict(self) -> str:
        """`ok`, `FAIL` or `skipped`."""
        if self.skipped:
            return "skipped"
        return "ok" if self.passed else "FAIL"

    @property
    def failed(self) -> bool:
        """Ran and did not pass."""
        return not self.skipped and not self.passed

    def line(self) -> str:
        """One printable line; a skipped check says so and why, never "ok"."""
        figures = ", ".join(f"{key}={value}" for key, value in self.figures.items())
        if self.skipped:
            return f"n/a  {self.name}: {self.detail}"
        verdict = "ok  " if self.passed else "FAIL"
        return f"{verdict} {self.name}: {self.detail}" + (f" [{figures}]" if figures else "")


def print_results(results: list[CheckResult]) -> int:
    """Print every result; exit status 0 when none failed (skips are listed as such), 1 otherwise."""
    for result in results:
        print(result.line())
    return 1 if any(result.failed for result in results) else 0
