"""The traffic comparison (talk-conformance compare --report) as a page of the living documentation."""

from __future__ import annotations

from typing import Any

from conformance.reports.living_docs._rendering import STYLESHEET, TITLE, render

__all__ = ["PAGE_TITLE", "STYLESHEET", "TITLE", "render_comparison_page"]

PAGE_TITLE = "Traffic comparison"


def render_comparison_page(report: dict[str, Any]) -> str:
    """A self-contained page (local stylesheet only) of one comparison report."""
    counts = report.get("counts", {})
    figures = [
        ("compared", counts.get("compared", 0)),
        ("agreeing", counts.get("agreeing", 0)),
        ("not recorded", counts.get("not_recorded", 0)),
        ("differences", counts.get("differences", 0)),
        ("unexplained", counts.get("unexplained", 0)),
    ]
    return render(
        "traffic.html",
        # The page also travels alone (compare --report): it links back only when it sits in the site.
        pages=[
            ("index.html", "Living documentation"),
            ("#differences", "Differences"),
            ("#not-recorded", "Not recorded"),
        ],
        current="",
        report=report,
        figures=figures,
        origin=report.get("left_origin") or {},
        accepted=sorted((counts.get("accepted") or {}).items()),
        differences=report.get("differences") or [],
        not_recorded=report.get("not_recorded") or {},
        ended_early=report.get("ended_early") or {},
        gone=report.get("only_in_left") or [],
    )
