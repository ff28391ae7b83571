"""What a run leaves for people and machines: summary, JUnit, annotations, matrix, living docs."""

from conformance.reports import _assertion_records as assertion_records
from conformance.reports import _failure_display as failure_display
from conformance.reports import _terminal_output as terminal_output
from conformance.reports._assertion_records import AssertionLog
from conformance.reports._compare_command import compare_command
from conformance.reports._failure_display import describe_body
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
    write_summary_json,
)

__all__ = [
    "AssertionLog",
    "CUCUMBER_FILE",
    "JUNIT_FILE",
    "JUnitCase",
    "NOTHING_CHECKED",
    "RunSummary",
    "SUMMARY_FILE",
    "ScenarioResult",
    "assertion_records",
    "compare_command",
    "default_report_dir",
    "describe_body",
    "failure_display",
    "redact_file",
    "redacted_profile",
    "terminal_lines",
    "terminal_output",
    "unusable_report_dir",
    "write_junit",
    "write_junit_xml",
    "write_summary_json",
]
