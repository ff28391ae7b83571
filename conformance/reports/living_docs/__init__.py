"""Living documentation: a static HTML site of the scenarios, their results and the coverage matrix."""

from conformance.reports.living_docs._command import docs_command
from conformance.reports.living_docs._traffic_page import STYLESHEET, render_comparison_page

__all__ = [
    "STYLESHEET",
    "docs_command",
    "render_comparison_page",
]
