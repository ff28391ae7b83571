"""Render the living documentation as one HTML page; every piece of feature or report text is escaped."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from conformance.coverage_matrix import CellCoverage, CoverageMatrix, TransitionCoverage
from conformance.living_docs.documents import DocFeature, DocScenario, ExamplesBlock, Step, scenario_anchor
from conformance.living_docs.results import RunResults, ScenarioOutcome, worst
from conformance.living_docs.status_diagram import render_status_diagram

STYLESHEET = "style.css"
TITLE = "Nextcloud Talk call recording: living documentation"
_REGISTER_FIELDS = (
    ("docs_say", "Docs say"),
    ("upstream_does", "Upstream does"),
    ("suite_requires", "Suite requires"),
    ("why", "Why"),
    ("decision", "Decision"),
    ("upstream_expected_to_fail", "Upstream expected to fail"),
)


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def render_page(
    features: list[DocFeature],
    matrix: CoverageMatrix,
    register: list[dict[str, Any]],
    results: RunResults | None,
    accepted: list[dict[str, Any]] | None = None,
    comparison_page: str | None = None,
) -> str:
    """The whole site as one HTML document that links only the local stylesheet."""
    body = [
        _header(results),
        '<nav class="site"><a href="#overview">Overview</a><a href="#status-diagram">Recording status</a>'
        '<a href="#features">Features</a>'
        '<a href="#coverage">Coverage matrix</a><a href="#deviations">Deviation register</a>'
        + (f'<a href="{_e(comparison_page)}">Traffic comparison</a>' if comparison_page else "")
        + "</nav>",
        "<main>",
        _overview_section(features, results),
        _diagram_section(matrix),
        _features_section(features, results),
        _coverage_section(matrix),
        _register_section(register, accepted),
        "</main>",
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # No remote requests at all: the page must render offline and leak nothing about its reader.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self'; "
            "img-src 'self' data:\">",
            f"<title>{_e(TITLE)}</title>",
            f'<link rel="stylesheet" href="{STYLESHEET}">',
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


# --- header ---------------------------------------------------------------------------------------


def _header(results: RunResults | None) -> str:
    parts = ['<header class="site">', f"<h1>{_e(TITLE)}</h1>"]
    if results is None:
        parts.append("<p>Scenarios of the conformance suite (no run results were given).</p>")
    else:
        target = results.target_url or "unknown target"
        parts.append(
            f'<p id="run-verdict">Results of a run against {_e(target)}: verdict '
            f'<span class="badge verdict-{_e(results.verdict or "not-run")}">'
            f"{_e(results.verdict or 'unknown')}</span></p>"
        )
    parts.append("</header>")
    return "\n".join(parts)


def _run_figures(results: RunResults) -> str:
    if not results.totals:
        return ""
    # An expected failure and an unexpected pass are verdicts of their own: without their tiles the other
    # tiles would not add up to the total (a run without expectations has none of either).
    expectation_verdicts = ("expected_failure", "unexpectedly_passed")
    figures = "".join(
        f'<div class="figure" data-total="{_e(name)}">'
        f"<strong>{_e(results.totals.get(name, 0))}</strong>{_e(name.replace('_', ' '))}</div>"
        for name in ("total", "passed", "failed", "error", "skipped", *expectation_verdicts)
        if name in results.totals or name in expectation_verdicts
    )
    setup = (
        f'<pre class="message">setup error: {_e(results.setup_error)}</pre>' if results.setup_error else ""
    )
    return f'<div class="run-summary">{figures}</div>{setup}'


# --- features -------------------------------------------------------------------------------------


def _overview_section(features: list[DocFeature], results: RunResults | None) -> str:
    parts = ['<section class="part" id="overview">', "<h2>Overview</h2>"]
    if results is not None:
        parts.append(_run_figures(results))
    parts.append("<table><tr><th>feature</th><th>file</th><th>scenarios</th>")
    parts.append("<th>result</th></tr>" if results is not None else "</tr>")
    for feature in features:
        row = (
            f'<tr><td><a href="#{_e(feature.anchor)}">{_e(feature.name)}</a></td>'
            f'<td class="file">{_e(feature.path)}</td><td>{len(feature.scenarios)}</td>'
        )
        if results is not None:
            row += f"<td>{_badge(_feature_verdict(feature, results))}</td>"
        parts.append(row + "</tr>")
    parts += ["</table>", "</section>"]
    return "\n".join(parts)


def _features_section(features: list[DocFeature], results: RunResults | None) -> str:
    parts = ['<section class="part" id="features">', "<h2>Features</h2>"]
    parts += [_feature_article(feature, results) for feature in features]
    parts.append("</section>")
    return "\n".join(parts)


def _feature_verdict(feature: DocFeature, results: RunResults) -> str:
    return worst([_scenario_verdict(feature, scenario, results) for scenario in feature.scenarios])


def _scenario_verdict(feature: DocFeature, scenario: DocScenario, results: RunResults) -> str:
    return worst([results.outcome(feature.name, name).verdict for name in scenario.result_names])


def _feature_article(feature: DocFeature, results: RunResults | None) -> str:
    parts = [
        f'<article class="feature" id="{_e(feature.anchor)}">',
        f"<h3>{_e(feature.name)}</h3>",
        f'<div class="file">{_e(feature.path)}</div>',
        _tags(feature.tags),
    ]
    if feature.description:
        parts.append(f'<p class="description">{_e(feature.description)}</p>')
    if feature.background:
        parts.append('<section class="background"><h4>Background</h4>')
        parts.append(_steps(feature.background, None))
        parts.append("</section>")
    for scenario in feature.scenarios:
        parts.append(_scenario(feature, scenario, scenario_anchor(feature.path, scenario.line), results))
    parts.append("</article>")
    return "\n".join(parts)


def _scenario(feature: DocFeature, scenario: DocScenario, anchor: str, results: RunResults | None) -> str:
    verdict = _scenario_verdict(feature, scenario, results) if results is not None else None
    css = f"scenario verdict-{verdict}" if verdict else "scenario"
    data = f' data-verdict="{_e(verdict)}"' if verdict else ""
    parts = [
        f'<section class="{_e(css)}" id="{_e(anchor)}"{data} data-name="{_e(scenario.name)}">',
        f'<h4><span class="keyword">{_e(scenario.keyword)}:</span> {_e(scenario.name)} '
        f"{_badge(verdict) if verdict else ''}</h4>",
        _tags(scenario.tags),
    ]
    if scenario.description:
        parts.append(f'<p class="description">{_e(scenario.description)}</p>')
    outcome = None
    if results is not None and not scenario.examples:
        outcome = results.outcome(feature.name, scenario.name)
    parts.append(_steps(scenario.steps, outcome))
    if outcome is not None and outcome.message and outcome.verdict != "passed":
        parts.append(f'<pre class="message">{_e(outcome.message)}</pre>')
    for block in scenario.examples:
        parts.append(_examples(feature, block, results))
    parts.append("</section>")
    return "\n".join(parts)


def _steps(steps: Iterable[Step], outcome: ScenarioOutcome | None) -> str:
    parts = ['<ol class="steps">']
    for step in steps:
        status = outcome.step_results.get(step.line) if outcome is not None else None
        css = f' class="step-{_e(status)}"' if status else ""
        parts.append(f'<li{css}><span class="keyword">{_e(step.keyword)}</span>{_e(step.text)}')
        if step.table:
            parts.append(_table(step.table[0], step.table[1:]))
        if step.doc_string is not None:
            parts.append(f"<pre>{_e(step.doc_string)}</pre>")
        parts.append("</li>")
    parts.append("</ol>")
    return "".join(parts)


def _examples(feature: DocFeature, block: ExamplesBlock, results: RunResults | None) -> str:
    title = "Examples" + (f": {block.name}" if block.name else "")
    parts = [f'<div class="examples"><h5>{_e(title)}</h5>', _tags(block.tags), "<table>", "<tr>"]
    parts += [f"<th>{_e(name)}</th>" for name in block.header]
    if results is not None:
        parts.append("<th>result</th>")
    parts.append("</tr>")
    for row in block.rows:
        outcome = results.outcome(feature.name, row.result_name) if results is not None else None
        row_css = f' class="example-row verdict-{_e(outcome.verdict)}"' if outcome else ' class="example-row"'
        parts.append(f'<tr{row_css} data-result-name="{_e(row.result_name)}">')
        parts += [f"<td>{_e(value)}</td>" for value in row.values]
        if outcome is not None:
            message = ""
            if outcome.message and outcome.verdict != "passed":
                message = f'<pre class="message">{_e(outcome.message)}</pre>'
            parts.append(f"<td>{_badge(outcome.verdict)}{message}</td>")
        parts.append("</tr>")
    parts.append("</table></div>")
    return "".join(parts)


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _tags(tags: Iterable[str]) -> str:
    spans = "".join(f'<span class="tag">@{_e(tag)}</span>' for tag in tags)
    return f'<div class="tags">{spans}</div>' if spans else ""


def _badge(verdict: str) -> str:
    return f'<span class="badge verdict-{_e(verdict)}">{_e(verdict)}</span>'


# --- diagram, matrix, register --------------------------------------------------------------------


def _diagram_section(matrix: CoverageMatrix) -> str:
    return "\n".join(
        [
            '<section class="part" id="status-diagram">',
            "<h2>Recording status</h2>",
            "<p>The room's <code>callRecording</code> value and what changes it: start and stop are called "
            "by a moderator, started, stopped and failed are reports of the recording server.</p>",
            render_status_diagram(matrix),
            "</section>",
        ]
    )


def _coverage_section(matrix: CoverageMatrix) -> str:
    counts = matrix.counts()
    # Built from a run's records, a cell lists the scenarios whose steps asserted it, not merely tagged it.
    covered_by = "asserted by scenarios of this run" if matrix.from_records else "covered by scenarios"
    parts = [
        '<section class="part" id="coverage">',
        "<h2>Coverage matrix</h2>",
        f"<p>{counts['cells']} documented cells: {counts['cells_covered']} {covered_by}, "
        f"{counts['cells_unreachable']} unreachable and {counts['cells_registered']} otherwise explained by "
        "the deviation register, "
        f"{counts['cells_uncovered']} uncovered. {counts['transitions']} transitions: "
        f"{counts['transitions_covered']} covered, {counts['transitions_uncovered']} uncovered.</p>",
        '<table class="coverage-cells"><tr><th>operation</th><th>status</th><th>error</th><th>coverage</th>'
        "<th>scenarios or register entry</th></tr>",
    ]
    for row in matrix.cells:
        cell = row.cell
        parts.append(
            f'<tr class="coverage-{_e(row.verdict)}"><td>{_e(cell.operation_id)}</td><td>{cell.status}</td>'
            f"<td>{_e(cell.error or '–')}</td><td>{_coverage_badge(row.verdict)}</td>"
            f"<td>{_coverage_details(row)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        '<table class="coverage-transitions"><tr><th>trigger</th><th>transition</th><th>coverage</th>'
        "<th>scenarios</th></tr>"
    )
    for transition_row in matrix.transitions:
        transition = transition_row.transition
        parts.append(
            f'<tr class="coverage-{_e(transition_row.verdict)}"><td>{_e(transition.trigger)}</td>'
            f"<td>{_e(transition.described())}</td><td>{_coverage_badge(transition_row.verdict)}</td>"
            f"<td>{_coverage_details(transition_row)}</td></tr>"
        )
    parts.append("</table>")
    if matrix.stray_tags:
        parts.append("<h3>Tags that name no documented cell or transition</h3><ul>")
        parts += [
            f"<li>{_e(stray.scenario.label)}: <code>@{_e(stray.tag)}</code>: {_e(stray.reason)}</li>"
            for stray in matrix.stray_tags
        ]
        parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _coverage_badge(verdict: str) -> str:
    return f'<span class="badge coverage-{_e(verdict)}">{_e(verdict)}</span>'


def _coverage_details(row: CellCoverage | TransitionCoverage) -> str:
    if row.scenarios:
        return "<br>".join(
            f'<a href="#{_e(scenario_anchor(ref.feature, ref.line))}">{_e(ref.label)}</a>'
            for ref in row.scenarios
        )
    if isinstance(row, CellCoverage) and row.explained_by:
        return "<br>".join(
            f'<a href="#deviation-{_e(entry.id)}">{_e(entry.id)}</a> ({_e(entry.decision)}) {_e(entry.title)}'
            for entry in row.explained_by
        )
    return "<strong>no scenario and no entry in the deviation register</strong>"


def _register_section(register: list[dict[str, Any]], accepted: list[dict[str, Any]] | None = None) -> str:
    parts = [
        '<section class="part" id="deviations">',
        "<h2>Deviation register</h2>",
        "<p>Where the upstream documentation, the upstream code and this suite differ, what the suite "
        "requires, and the answer a real Nextcloud 32.0.1 / Talk 22.0.10 gave where it was observed.</p>",
    ]
    for entry in register:
        entry_id = str(entry.get("id", "?"))
        parts.append(f'<article class="deviation" id="deviation-{_e(entry_id)}">')
        parts.append(f'<h3>{_e(entry_id)}: {_e(entry.get("title", ""))}</h3><dl class="deviation">')
        for key, label in _REGISTER_FIELDS:
            if key in entry:
                parts.append(f"<dt>{_e(label)}</dt><dd>{_e(entry[key])}</dd>")
        parts.append(_observed(entry.get("observed")))
        cells = entry.get("cells") or []
        if cells:
            listed = "<br>".join(_e(_cell_text(cell)) for cell in cells)
            parts.append(f"<dt>Cells</dt><dd>{listed}</dd>")
        parts.append("</dl></article>")
    if accepted:
        parts.append('<h3 id="accepted-differences">Accepted differences of the differential gate</h3>')
        parts.append(
            "<p>Where a run against the reference server may answer differently from the shipped real "
            "recording, and why (<code>talk-conformance compare --register</code>).</p>"
        )
        for entry in accepted:
            entry_id = str(entry.get("id", "?"))
            parts.append(f'<article class="deviation" id="deviation-{_e(entry_id)}">')
            parts.append(f'<h3>{_e(entry_id)}: {_e(entry.get("title", ""))}</h3><dl class="deviation">')
            for key, label in (("kinds", "Accepts"), ("scenarios", "Scenarios"), ("requests", "Requests")):
                values = entry.get(key) or []
                parts.append(f"<dt>{_e(label)}</dt><dd>{_e(', '.join(map(str, values)))}</dd>")
            parts.append(_observed(entry.get("observed")))
            parts.append(f"<dt>Why</dt><dd>{_e(entry.get('why', ''))}</dd>")
            see = entry.get("see") or []
            if see:
                links = ", ".join(f'<a href="#deviation-{_e(item)}">{_e(item)}</a>' for item in see)
                parts.append(f"<dt>See</dt><dd>{links}</dd>")
            parts.append("</dl></article>")
    parts.append("</section>")
    return "\n".join(parts)


def _observed(observed: Any) -> str:
    """The real server's answer as the register quotes it (text, or request/status/statuscode/message)."""
    if not observed:
        return ""
    if isinstance(observed, dict):
        lines = [f"{key}: {value}" for key, value in observed.items()]
        text = "\n".join(lines)
    else:
        text = str(observed)
    return f'<dt>Observed (real Talk 22)</dt><dd><pre class="observed">{_e(text)}</pre></dd>'


def _cell_text(cell: Any) -> str:
    if not isinstance(cell, dict):
        return str(cell)
    error = cell.get("error")
    return f"{cell.get('operation')} {cell.get('status')}" + (f" {error}" if error else "")
