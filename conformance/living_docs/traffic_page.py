"""The traffic comparison (talk-conformance compare --report) as a page of the living documentation."""

from __future__ import annotations

from html import escape
from typing import Any

from conformance.living_docs.html_page import STYLESHEET, TITLE

PAGE_TITLE = "Traffic comparison"


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def render_comparison_page(report: dict[str, Any]) -> str:
    """A self-contained page (local stylesheet only) of one comparison report."""
    counts = report.get("counts", {})
    origin = report.get("left_origin") or {}
    accepted = counts.get("accepted") or {}
    figures = [
        ("compared", counts.get("compared", 0)),
        ("agreeing", counts.get("agreeing", 0)),
        ("not recorded", counts.get("not_recorded", 0)),
        ("differences", counts.get("differences", 0)),
        ("unexplained", counts.get("unexplained", 0)),
    ]
    parts = [
        '<header class="site">',
        f"<h1>{_e(PAGE_TITLE)}</h1>",
        f"<p>{_e(report.get('right', 'this run'))} against {_e(report.get('left', '?'))}</p>",
        "</header>",
        '<nav class="site"><a href="index.html">Living documentation</a>'
        '<a href="#differences">Differences</a><a href="#not-recorded">Not recorded</a></nav>',
        "<main>",
        '<section class="part" id="comparison-summary"><h2>Summary</h2>',
        '<div class="run-summary">'
        + "".join(
            f'<div class="figure" data-total="{_e(name)}"><strong>{_e(value)}</strong>{_e(name)}</div>'
            for name, value in figures
        )
        + "</div>",
    ]
    if origin:
        parts.append(
            f'<p class="origin">Recording: {_e(origin.get("name", ""))} {_e(origin.get("version", ""))}. '
            f"{_e(origin.get('comment', ''))}</p>"
        )
    if accepted:
        listed = ", ".join(f"{_e(key)} ({_e(value)})" for key, value in sorted(accepted.items()))
        parts.append(f"<p>Accepted by the deviation register: {listed}.</p>")
    parts.append("</section>")
    parts += _differences(report.get("differences", []), report.get("left", "recording"))
    parts += _not_recorded(report.get("not_recorded", {}), report.get("ended_early", {}))
    gone = report.get("only_in_left") or []
    if gone:
        left = _e(report.get("left", "A"))
        parts.append(f'<section class="part" id="only-in-recording"><h2>Only in {left}</h2>')
        parts.append("<p>Scenarios the recording has and this run does not (renamed or removed).</p><ul>")
        parts += [f"<li>{_e(name)}</li>" for name in gone]
        parts.append("</ul></section>")
    parts.append("</main>")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self'\">",
            f"<title>{_e(PAGE_TITLE)}: {_e(TITLE)}</title>",
            f'<link rel="stylesheet" href="{STYLESHEET}">',
            "</head>",
            "<body>",
            *parts,
            "</body>",
            "</html>",
            "",
        ]
    )


def _differences(differences: list[dict[str, Any]], left: str) -> list[str]:
    parts = ['<section class="part" id="differences"><h2>Differences</h2>']
    if not differences:
        return [*parts, "<p>None: every compared request was answered alike.</p></section>"]
    parts.append(
        '<div class="wide"><table class="comparison"><tr><th>scenario</th><th>#</th><th>request</th>'
        f"<th>kind</th><th>{_e(left)}</th><th>this run</th><th>accepted by</th></tr>"
    )
    for item in differences:
        accepted = item.get("accepted_by")
        verdict = "accepted" if accepted else "unexplained"
        parts.append(
            f'<tr class="{verdict}"><td>{_e(item.get("scenario"))}</td><td>{_e(item.get("step"))}</td>'
            f'<td class="file">{_e(item.get("request"))}</td><td>{_e(_what(item))}</td>'
            f'<td class="value">{_e(item.get("left"))}</td><td class="value">{_e(item.get("right"))}</td>'
            f"<td>{_e(accepted or 'unexplained')}</td></tr>"
        )
    parts.append("</table></div></section>")
    return parts


def _what(item: dict[str, Any]) -> str:
    """The kind of a difference, with its key path where there is one."""
    return " ".join(str(part) for part in (item.get("kind"), item.get("key")) if part)


def _not_recorded(not_recorded: dict[str, str], ended_early: dict[str, str]) -> list[str]:
    parts = [
        '<section class="part" id="not-recorded"><h2>Not recorded</h2>',
        "<p>Scenarios that are new, or whose request sequence changed since the recording: not compared, "
        "and not counted as agreeing.</p>",
    ]
    if not_recorded:
        parts.append(
            "<ul>" + "".join(f"<li>{_e(name)}: {_e(why)}</li>" for name, why in not_recorded.items())
        )
        parts.append("</ul>")
    else:
        parts.append("<p>None.</p>")
    if ended_early:
        parts.append("<h3>Compared up to where one side stopped</h3><ul>")
        parts += [f"<li>{_e(name)}: {_e(why)}</li>" for name, why in ended_early.items()]
        parts.append("</ul>")
    parts.append("</section>")
    return parts
