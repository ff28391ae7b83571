"""`talk-conformance recording-server`: its scenarios, reported and exited as the main suite does."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from conformance import resources
from conformance.command_line import command_parser, parse_command_line, refuse
from conformance.outcomes import SetupError
from conformance.recording_server_suite._profile import RecordingServerProfile, load_recording_server_profile
from conformance.recording_server_suite._run import check_recording_server
from conformance.recording_server_suite._talk_requests import TalkRequests
from conformance.recording_server_suite.plugin import BINDING_FILE
from conformance.redaction import Redactor
from conformance.reports import (
    CUCUMBER_FILE,
    JUNIT_FILE,
    SUMMARY_FILE,
    default_report_dir,
    unusable_report_dir,
    write_setup_error_reports,
)
from conformance.suite import EXIT_SETUP, EXIT_USAGE, run_exit_status, suite_pytest_ini
from conformance.target import ProfileError, load_expectations

PROG = "talk-conformance recording-server"
DEFAULT_REPORT_DIR = default_report_dir("recording-server")


def build_parser() -> argparse.ArgumentParser:
    """Options of `talk-conformance recording-server`."""
    parser = command_parser(
        PROG,
        "Play Talk against a recording server (default: the bundled reference recording server): "
        "signed start/stop requests, and a Talk stand-in that receives and checks its reports and uploads. "
        "`recording-server self-test` runs the scenarios against every mutant of the reference. "
        "Arguments after -- go to pytest.",
    )
    parser.add_argument("--target-url", help="base URL of the recording server, e.g. http://rec:8000")
    parser.add_argument(
        "--target-profile", help="YAML recording-server profile (docs/recording-server-suite.md)"
    )
    parser.add_argument("--expectations", help="YAML file of scenarios the server is expected to fail")
    parser.add_argument(
        "--report-dir",
        default=DEFAULT_REPORT_DIR,
        help=f"where the reports go (default ./{DEFAULT_REPORT_DIR})",
    )
    return parser


def binding_module() -> Path:
    """The installed steps/test_recording_server_features.py."""
    return resources.binding_module(BINDING_FILE)


def recording_server_command(args: list[str]) -> int:
    """Check the profile, run pytest on the recording-server scenarios, turn the summary into an exit code."""
    if args[:1] == ["self-test"]:
        from conformance.recording_server_suite._self_test import recording_server_self_test_command

        return recording_server_self_test_command(args[1:])
    ours, extra = (args[: args.index("--")], args[args.index("--") + 1 :]) if "--" in args else (args, [])
    options = parse_command_line(build_parser(), ours)
    if isinstance(options, int):
        return options
    try:
        profile = load_recording_server_profile(
            options.target_url, options.target_profile, options.expectations
        )
        if profile.expectations is not None:
            load_expectations(profile.expectations, pinned=False)
        binding = binding_module()
    except (ProfileError, SetupError) as exc:
        return _fail(EXIT_USAGE, str(exc))
    redactor = Redactor(profile.secrets())
    report_dir = Path(options.report_dir).resolve()
    problem = unusable_report_dir(report_dir)
    if problem is not None:
        return _fail(EXIT_USAGE, f"--report-dir: {problem}")
    for stale in (SUMMARY_FILE, JUNIT_FILE, CUCUMBER_FILE):
        (report_dir / stale).unlink(missing_ok=True)  # an earlier run's report must not pass for this one
    if profile.url is not None:
        problem = _preflight(profile, report_dir, redactor)
        if problem is not None:
            return problem
    code = run_pytest(
        binding, report_dir, options.target_url, options.target_profile, options.expectations, extra
    )
    return run_exit_status(PROG, code, report_dir, redactor)


def run_pytest(
    binding: Path,
    report_dir: Path,
    url: str | None,
    profile: str | None,
    expectations: str | None,
    extra: list[str],
) -> int:
    """pytest on the binding module, with an ini of our own so the caller's configuration cannot interfere."""
    import pytest

    report_dir.mkdir(parents=True, exist_ok=True)
    with suite_pytest_ini() as ini:
        args = [
            str(binding), "-c", str(ini), "--rootdir", str(binding.parent.parent), "-p", "no:cacheprovider",
            "-q", "--tb=short", "--recording-server-report-dir", str(report_dir),
            "--cucumberjson", str(report_dir / CUCUMBER_FILE),
        ]  # fmt: skip
        if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
            args += ["-p", "conformance.suite.plugin", "-p", "conformance.recording_server_suite.plugin"]
        for option, value in (
            ("--recording-server-url", url),
            ("--recording-server-profile", profile),
            ("--recording-server-expectations", expectations),
        ):
            if value:
                args += [option, value]
        return int(pytest.main([*args, *extra]))


def _preflight(profile: RecordingServerProfile, report_dir: Path, redactor: Redactor) -> int | None:
    # A dead target would turn every scenario into the same error; say it once instead.
    assert profile.url is not None
    talk = TalkRequests(profile.url, profile.recording_secret, "", profile.request_timeout)
    try:
        check_recording_server(talk)
    except SetupError as exc:
        write_setup_error_reports(report_dir, profile.url, profile.to_dict(), exc, redactor)
        return _fail(EXIT_SETUP, redactor.text(f"setup error: {exc}"))
    return None


def _fail(code: int, message: str) -> int:
    return refuse(PROG, message, code)
