"""The main suite's command-line options, and the one object the rest of the plugin reads them from."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.reports.annotations import STYLES


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("talk-conformance", "Nextcloud Talk recording conformance")
    group.addoption(
        "--target-url",
        default=None,
        metavar="URL",
        help="base URL of the Talk server under test (default: start the bundled reference server)",
    )
    group.addoption(
        "--target-profile", default=None, metavar="FILE", help="YAML target profile (docs/profiles.md)"
    )
    group.addoption(
        "--conformance-report-dir",
        default=None,
        metavar="DIR",
        help="write summary.json, junit.xml and cucumber.json of the conformance run here",
    )
    group.addoption(
        "--expectations",
        default=None,
        metavar="FILE|auto|none",
        help="auto (default with --target-url: the shipped file for the target's Talk release), none, or a"
        " YAML file of scenarios the target is expected to fail, with reasons (docs/expectations.md)",
    )
    group.addoption(
        "--annotations",
        choices=STYLES,
        default=None,
        help="github: an ::error annotation per failed scenario (default inside GitHub Actions); none: off",
    )
    group.addoption(
        "--record-traffic",
        default=None,
        metavar="FILE",
        help="write every exchange of the run to FILE as HAR 1.2 (docs/traffic.md)",
    )
    group.addoption(
        "--conformance-progress",
        action="store_true",
        default=False,
        help="a line per finished scenario and one summary instead of pytest's progress and reports "
        "(talk-conformance sets it)",
    )
    group.addoption(
        "--stop-at-first-failure",
        action="store_true",
        default=False,
        help="stop at the first conformance failure; setup errors do not stop the run (mutation self-test)",
    )


@dataclass(frozen=True)
class SuiteOptions:
    """What a run of the suite was asked for: by talk-conformance directly, or by pytest's options."""

    target_url: str | None = None
    target_profile: str | None = None
    expectations: str | None = None
    report_dir: Path | None = None
    annotations: str | None = None
    record_traffic: Path | None = None  # resolved against the directory the run was started in
    progress: bool = False  # a line per scenario instead of pytest's own output
    stop_at_first_failure: bool = False

    @classmethod
    def from_config(cls, config: pytest.Config) -> SuiteOptions:
        """The options pytest parsed (a plain `pytest steps/ --target-url ...` run)."""
        report_dir = config.getoption("--conformance-report-dir", None)
        traffic = config.getoption("--record-traffic", None)
        return cls(
            target_url=config.getoption("--target-url", None),
            target_profile=config.getoption("--target-profile", None),
            expectations=config.getoption("--expectations", None),
            report_dir=Path(report_dir).resolve() if report_dir else None,
            annotations=config.getoption("--annotations", None),
            record_traffic=(config.invocation_params.dir / traffic).resolve() if traffic else None,
            progress=bool(config.getoption("--conformance-progress", False)),
            stop_at_first_failure=bool(config.getoption("--stop-at-first-failure", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the xdist workers."""
        data = dataclasses.asdict(self)
        for name in ("report_dir", "record_traffic"):
            data[name] = str(data[name]) if data[name] is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SuiteOptions:
        """Inverse of `to_dict`."""
        values = dict(data)
        for name in ("report_dir", "record_traffic"):
            values[name] = Path(values[name]) if values[name] else None
        return cls(**values)
