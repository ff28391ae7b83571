"""How a command runs either suite under pytest and ends: the suite's own pytest.ini, and the exit status."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

from conformance.command_line import refuse
from conformance.redaction import Redactor
from conformance.reports import NOTHING_CHECKED, SUMMARY_FILE

EXIT_CLEAN, EXIT_FAILED, EXIT_USAGE, EXIT_SETUP = 0, 1, 2, 3
EXIT_NOTHING_CHECKED = 5  # as pytest's "no tests ran": every scenario was skipped

# The commands import the conformance package before pytest can rewrite its asserts: harmless.
_RUN_INI = (
    "[pytest]\naddopts = --strict-markers\nxfail_strict = true\nfilterwarnings =\n"
    "    ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning\n"
)


@contextlib.contextmanager
def suite_pytest_ini() -> Iterator[Path]:
    """A pytest.ini of the suite's own, so that a pytest configuration where the caller stands cannot change
    the run; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="talk-conformance-ini-") as directory:
        ini = Path(directory) / "pytest.ini"
        ini.write_text(_RUN_INI, encoding="utf-8")
        yield ini


def run_exit_status(prog: str, pytest_code: int, report_dir: Path, redactor: Redactor) -> int:
    """The command's status from the run's summary.json: 0 clean, 1 a scenario failed, 2 pytest did not run
    the suite, 3 the run could not be set up, 5 every scenario was skipped (nothing checked)."""
    summary_path = report_dir / SUMMARY_FILE
    if not summary_path.is_file():
        missing = f"pytest did not run the suite (pytest exit code {pytest_code}); see its output above"
        return refuse(prog, missing, EXIT_USAGE)
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    if summary.get("setup_error"):
        return refuse(prog, redactor.text(f"setup error: {summary['setup_error']}"), EXIT_SETUP)
    verdict = summary.get("verdict")
    if verdict == "error":
        return EXIT_SETUP
    if verdict == "failed" or pytest_code not in (0, 5):
        return EXIT_FAILED
    if verdict == NOTHING_CHECKED:
        return refuse(
            prog,
            "every scenario was skipped: nothing was checked, so the target did not pass (see the reasons)",
            EXIT_NOTHING_CHECKED,
        )
    return EXIT_CLEAN
