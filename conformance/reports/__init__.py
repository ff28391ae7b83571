"""What a run leaves for people and machines: summary, JUnit, annotations, matrix, living docs."""

from conformance.reports._assertion_records import (
    JUDGED_KEY,
    RECORDS_KEY,
    SOURCE_KEY,
    AssertionLog,
    scenario_source,
)
from conformance.reports._compare_command import compare_command
from conformance.reports._failure_display import describe_body, exception_message
from conformance.reports._junit import JUnitCase, write_junit
from conformance.reports._report_layout import default_report_dir, unusable_report_dir
from conformance.reports._summary import (
    CUCUMBER_FILE,
    JUNIT_FILE,
    NOTHING_CHECKED,
    SUMMARY_FILE,
    RunSummary,
    ScenarioResult,
    redact_file,
    redacted_profile,
    terminal_lines,
    write_junit_xml,
    write_setup_error_reports,
    write_summary_json,
)
from conformance.reports._terminal_output import quiet_pytest, silent_status, write_line

__all__ = [
    "AssertionLog",
    "CUCUMBER_FILE",
    "JUDGED_KEY",
    "JUNIT_FILE",
    "JUnitCase",
    "NOTHING_CHECKED",
    "RECORDS_KEY",
    "RunSummary",
    "SOURCE_KEY",
    "SUMMARY_FILE",
    "ScenarioResult",
    "compare_command",
    "default_report_dir",
    "describe_body",
    "exception_message",
    "quiet_pytest",
    "redact_file",
    "redacted_profile",
    "scenario_source",
    "silent_status",
    "terminal_lines",
    "unusable_report_dir",
    "write_junit",
    "write_junit_xml",
    "write_line",
    "write_setup_error_reports",
    "write_summary_json",
]
