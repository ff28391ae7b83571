"""The pytest integration both suites share: run, session, fixtures, tags, locks and verdicts."""

from conformance.suite._command_run import CommandRun
from conformance.suite._mutation import (
    BASELINE,
    MutantRun,
    SelfTestResult,
    mutant_catalogue,
    run_mutant_scenarios,
    run_mutants,
    self_test_command,
    self_test_parser,
)
from conformance.suite._pytest_options import SuiteOptions
from conformance.suite._run_exit import (
    EXIT_CLEAN,
    EXIT_FAILED,
    EXIT_NOTHING_CHECKED,
    EXIT_SETUP,
    EXIT_USAGE,
    run_exit_status,
    suite_pytest_ini,
)
from conformance.suite._scenario_identity import scenario_key
from conformance.suite._scenario_lock import steps_need_it_alone
from conformance.suite._scenario_tags import add_tag_properties, skip_tags_reason
from conformance.suite._scenario_verdicts import apply_expectation, fold, judge
from conformance.suite._suite_reports import stop_at_first_failure, write_run_reports

__all__ = [
    "BASELINE",
    "CommandRun",
    "EXIT_CLEAN",
    "EXIT_FAILED",
    "EXIT_NOTHING_CHECKED",
    "EXIT_SETUP",
    "EXIT_USAGE",
    "MutantRun",
    "SelfTestResult",
    "SuiteOptions",
    "add_tag_properties",
    "apply_expectation",
    "fold",
    "judge",
    "mutant_catalogue",
    "run_exit_status",
    "run_mutant_scenarios",
    "run_mutants",
    "scenario_key",
    "self_test_command",
    "self_test_parser",
    "skip_tags_reason",
    "steps_need_it_alone",
    "stop_at_first_failure",
    "suite_pytest_ini",
    "write_run_reports",
]
