"""The talk-conformance command: `run` (the default) the Gherkin suite, `fuzz` the contract."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.command_line import command_parser, parse_command_line, refuse
from conformance.outcomes import SetupError, Unsupported
from conformance.redaction import Redactor
from conformance.reports import (
    JUNIT_FILE,
    SUMMARY_FILE,
    default_report_dir,
    unusable_report_dir,
    write_setup_error_reports,
)
from conformance.reports.annotations import STYLES, report_stopped_run, style_for
from conformance.resources import binding_module
from conformance.suite import (
    EXIT_CLEAN,
    EXIT_FAILED,
    EXIT_NOTHING_CHECKED,
    EXIT_SETUP,
    EXIT_USAGE,
    SuiteOptions,
    run_exit_status,
    suite_pytest_ini,
)
from conformance.target import ProfileError, announce_unverified, load_expectations, load_profile

if TYPE_CHECKING:
    from conformance.suite import CommandRun

DEFAULT_REPORT_DIR = default_report_dir("run")
EXPECTATIONS_HELP = (
    "auto (default with --target-url: the shipped file for the target's Talk release), none (strict run), "
    "or a YAML file of scenarios the target is expected to fail (see docs/expectations.md)"
)
# The command's exit statuses are the suite engine's, named here too for callers of `main`.
__all__ = ["EXIT_CLEAN", "EXIT_FAILED", "EXIT_NOTHING_CHECKED", "EXIT_SETUP", "EXIT_USAGE", "main"]

PROG = "talk-conformance"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: dispatch to a subcommand; `run` when none is named."""
    args = list(sys.argv[1:] if argv is None else argv)
    commands = _commands()
    if args and args[0] in commands:
        name, rest = args[0], args[1:]
    elif args and args[0] in ("-h", "--help"):
        _print_help(commands)
        return EXIT_CLEAN
    elif args and not args[0].startswith("-"):
        # `run` takes no positional argument: a first word that is no command is a mistyped command.
        known = ", ".join(commands)
        return _fail(EXIT_USAGE, f"unknown command {args[0]!r}; the commands are {known} (see --help)")
    else:
        name, rest = "run", args
    return commands[name](rest)


def _commands() -> dict[str, Callable[[list[str]], int]]:
    return {
        "run": run_command,
        "check": _check_command,
        "fuzz": _fuzz_command,
        "matrix": _matrix_command,
        "docs": _docs_command,
        "self-test": _self_test_command,
        "compare": _compare_command,
        "recording-server": _recording_server_command,
    }


COMMAND_HELP = {
    "run": "(default) the Gherkin conformance scenarios against a target",
    "check": "the preflight alone: target, recording-v1, admin, reachability",
    "fuzz": "spec-driven fuzzing of the recording API",
    "matrix": "contract cells and state transitions against the scenarios",
    "docs": "the living documentation as a static HTML site",
    "self-test": "the scenarios against every mutant of the reference server",
    "compare": "two traffic recordings (HAR), or one against a shipped real one",
    "recording-server": "the suite plays Talk against a recording server",
}


def _print_help(commands: dict[str, Callable[[list[str]], int]]) -> None:
    print(f"usage: {PROG} [COMMAND] [options]\n")
    print("commands:")
    width = max(len(name) for name in commands)
    for name in commands:
        print(f"  {name:<{width}}  {COMMAND_HELP[name]}")
    print(f"\n`{PROG} COMMAND --help` describes a command's options.")
    print(f"Reports go below ./{default_report_dir('run')} unless --report-dir says otherwise (README).")


def _fuzz_command(args: list[str]) -> int:
    # Imported on use: the fuzzer pulls in schemathesis, which `run` does not need.
    try:
        from conformance.fuzz import run_fuzz
    except ImportError as exc:
        print(f"{PROG} fuzz: not available ({exc})", file=sys.stderr)
        return EXIT_USAGE
    return run_fuzz(args)


def _matrix_command(args: list[str]) -> int:
    from conformance.reports.coverage_matrix import matrix_command

    return matrix_command(args)


def _docs_command(args: list[str]) -> int:
    from conformance.reports.living_docs import docs_command

    return docs_command(args)


def _self_test_command(args: list[str]) -> int:
    from conformance.suite import self_test_command

    return self_test_command(args)


def _compare_command(args: list[str]) -> int:
    from conformance.reports import compare_command

    return compare_command(args)


def _recording_server_command(args: list[str]) -> int:
    from conformance.recording_server_suite import recording_server_command

    return recording_server_command(args)


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    """The target a run or a check is about, as `run` and `check` both take it."""
    parser.add_argument("--target-url", help="base URL of the target (overrides the profile and environment)")
    parser.add_argument("--target-profile", help="YAML target profile (see docs/profiles.md)")
    parser.add_argument("--expectations", help=EXPECTATIONS_HELP)


def build_run_parser() -> argparse.ArgumentParser:
    """Options of `talk-conformance run`."""
    parser = command_parser(
        f"{PROG} run",
        "Run the conformance scenarios against a Talk server (default: the bundled reference "
        "server). Arguments after -- go to pytest (e.g. -- -n 2 -k start).",
    )
    _add_target_options(parser)
    parser.add_argument(
        "--record-traffic",
        metavar="FILE",
        help="write every exchange of the run to FILE as HAR 1.2 (see docs/traffic.md)",
    )
    parser.add_argument(
        "--report-dir",
        default=DEFAULT_REPORT_DIR,
        help=f"where the reports go (default ./{DEFAULT_REPORT_DIR})",
    )
    parser.add_argument(
        "--annotations",
        choices=STYLES,
        help="github: an ::error annotation per failed or errored scenario, on its feature file "
        "(default when GITHUB_ACTIONS=true); none: no annotations",
    )
    return parser


def run_command(args: list[str]) -> int:
    """`talk-conformance run`: validate the profile, run pytest on the bundled scenarios, report."""
    ours, pytest_args = _split_at_double_dash(args)
    options = parse_command_line(build_run_parser(), ours)
    if isinstance(options, int):
        return options
    try:
        profile = load_profile(options.target_url, options.target_profile, os.environ, options.expectations)
        if profile.expectations is not None:
            load_expectations(profile.expectations)
    except ProfileError as exc:
        return _fail(EXIT_USAGE, str(exc))
    announce_unverified(profile.tls_verify)
    redactor = Redactor(profile.secrets())
    report_dir = Path(options.report_dir).resolve()
    problem = unusable_report_dir(report_dir)
    if problem is not None:
        return _fail(EXIT_USAGE, f"--report-dir: {problem}")
    try:
        binding = binding_module()
    except SetupError as exc:
        return _fail(EXIT_USAGE, str(exc))
    for stale in (SUMMARY_FILE, JUNIT_FILE):
        (report_dir / stale).unlink(
            missing_ok=True
        )  # a report from an earlier run must not pass for this one
    from conformance.suite import CommandRun
    from conformance.target import new_run_dir

    run = CommandRun(profile, _suite_options(options, report_dir), new_run_dir())
    if profile.url is not None:
        traffic = bool(options.record_traffic or profile.record_traffic)
        annotations = style_for(options.annotations, os.environ)
        problem = _preflight(run, redactor, annotations, traffic)
        if problem is not None:
            return problem
    try:
        run.launch_bundled_server()  # without a target URL: it starts up while pytest does
        code = _run_pytest(binding, run, pytest_args)
    finally:
        for problem in run.release():  # pytest stopped before its plugin took the set-up over
            print(f"{PROG}: cleanup: {redactor.text(problem)}", file=sys.stderr)
    return run_exit_status(PROG, code, report_dir, redactor)


def _suite_options(options: argparse.Namespace, report_dir: Path) -> SuiteOptions:
    """The run's options as the plugin reads them (no round trip through pytest's command line)."""
    traffic = Path(options.record_traffic).resolve() if options.record_traffic else None
    return SuiteOptions(
        target_url=options.target_url,
        target_profile=options.target_profile,
        expectations=options.expectations,
        report_dir=report_dir,
        annotations=options.annotations,
        record_traffic=traffic,
        progress=True,
    )


def _split_at_double_dash(args: list[str]) -> tuple[list[str], list[str]]:
    if "--" in args:
        index = args.index("--")
        return args[:index], args[index + 1 :]
    return args, []


def _preflight(run: CommandRun, redactor: Redactor, annotations: str, traffic: bool) -> int | None:
    # A target the suite cannot use would turn every scenario into the same error; say it once instead.
    # A run that passes it is handed to the plugin as it is, not set up a second time.
    from conformance.target import Preflight, set_up_run
    from conformance.traffic import start_traffic_capture, stop_traffic_capture, traffic_outside_scenario

    profile, run_dir, report_dir = run.profile, run.run_dir, run.options.report_dir
    assert report_dir is not None
    try:
        if traffic:
            start_traffic_capture(run_dir, redactor)  # the plugin records on into the same part file
        with traffic_outside_scenario():
            run.prepared, run.stop = set_up_run(profile, checks=Preflight(profile, lambda line: None))
        print(redactor.text(run.prepared.expectations_line))
    except (SetupError, Unsupported) as exc:
        stop_traffic_capture()  # nothing is handed over: the set-up undid itself
        shutil.rmtree(run_dir, ignore_errors=True)
        if isinstance(exc, Unsupported):
            return None  # the run reports every scenario as skipped (unsupported)
        summary = write_setup_error_reports(report_dir, profile.url, profile.to_dict(), exc, redactor)
        report_stopped_run(summary, report_dir, annotations, os.environ)
        return _fail(EXIT_SETUP, redactor.text(f"setup error: {exc}"))
    return None


def _check_command(args: list[str]) -> int:
    """`talk-conformance check`: the preflight of a run, one line per check."""
    from conformance.target import preflight_run

    parser = command_parser(
        f"{PROG} check",
        "Check that a run can be set up: the target answers OCS and offers recording-v1, "
        "the admin account and the provisioning API work, and Talk reaches the fake recording server and "
        "the signaling server. Configures the target for the check and restores it.",
    )
    _add_target_options(parser)
    options = parse_command_line(parser, args)
    if isinstance(options, int):
        return options
    try:
        profile = load_profile(options.target_url, options.target_profile, os.environ, options.expectations)
    except ProfileError as exc:
        return _fail(EXIT_USAGE, str(exc))
    redactor = Redactor(profile.secrets())
    try:
        preflight_run(profile, lambda line: print(redactor.text(line)))
    except (SetupError, Unsupported) as exc:
        return _fail(EXIT_SETUP, redactor.text(f"setup error: {exc}"))
    print("preflight passed: the run can be set up")
    return EXIT_CLEAN


# pytest plugins of libraries installed beside the suite that a run never uses. Each process of a run (every
# xdist worker too) would spend about 1.5 s of CPU importing them: schemathesis, hypothesis and anyio.
UNUSED_PLUGINS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:anyio")


# The suite prints a line per scenario and one summary with each failure (conformance.progress_lines):
# pytest's progress dots, tracebacks, short summary, statistics line and assertion rewriting would only repeat
# them, in a form meant for the suite's developers.
QUIET_PYTEST = (
    "-qq", "--tb=no", "-rN", "--assert=plain", "-o", "console_output_style=classic",
)  # fmt: skip


def _run_pytest(binding: Path, run: CommandRun, extra: list[str]) -> int:
    import pytest

    with suite_pytest_ini() as ini:
        args = [
            str(binding), "-c", str(ini), "--rootdir", str(binding.parent.parent),
            "-p", "no:cacheprovider", *UNUSED_PLUGINS, *QUIET_PYTEST,
        ]  # fmt: skip
        if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
            args += ["-p", "conformance.suite.plugin"]
        # The run itself as a plugin object: the conformance plugin takes profile, options and set-up from it.
        return int(pytest.main([*args, *extra], plugins=[run]))


def _fail(code: int, message: str) -> int:
    return refuse(PROG, message, code)


if __name__ == "__main__":
    sys.exit(main())
