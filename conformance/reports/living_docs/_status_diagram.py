"""The recording status state machine as an inline SVG: six states, transitions and their triggers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from conformance.protocol import (
    AUDIO,
    FAILED,
    NONE,
    STARTING_AUDIO,
    STARTING_VIDEO,
    STATE_NAMES,
    TRIGGER_FAILED,
    TRIGGER_START,
    TRIGGER_STARTED,
    TRIGGER_STOPPED,
    VIDEO,
)
from conformance.reports._coverage_model import CoverageMatrix

WIDTH, HEIGHT = 900, 470
NODE_WIDTH, NODE_HEIGHT = 170, 54
ANY_STATE = "any"

# Column by role: where a recording can be started from, the waiting states, the recording states.
POSITIONS: dict[int | str, tuple[float, float]] = {
    NONE: (120, 90),
    ANY_STATE: (120, 235),
    FAILED: (120, 380),
    STARTING_VIDEO: (450, 90),
    STARTING_AUDIO: (450, 380),
    VIDEO: (780, 90),
    AUDIO: (780, 380),
}


@dataclass(frozen=True)
class Edge:
    """An arrow of the diagram: trigger label, and where along the line the label sits (0..1)."""

    source: int | str
    target: int
    label: str
    label_at: float = 0.5


def _edges() -> list[Edge]:
    # Crossing diagonals carry their labels near the source so the two labels do not meet in the middle.
    start, started = f"{TRIGGER_START} (status {{}})", f"{TRIGGER_STARTED} (status {{}})"
    edges = [
        Edge(NONE, STARTING_VIDEO, start.format(VIDEO), 0.5),
        Edge(NONE, STARTING_AUDIO, start.format(AUDIO), 0.28),
        Edge(FAILED, STARTING_VIDEO, start.format(VIDEO), 0.28),
        Edge(FAILED, STARTING_AUDIO, start.format(AUDIO), 0.5),
        Edge(STARTING_VIDEO, VIDEO, started.format(VIDEO), 0.5),
        Edge(STARTING_VIDEO, AUDIO, started.format(AUDIO), 0.28),
        Edge(STARTING_AUDIO, VIDEO, started.format(VIDEO), 0.28),
        Edge(STARTING_AUDIO, AUDIO, started.format(AUDIO), 0.5),
        Edge(ANY_STATE, NONE, TRIGGER_STOPPED, 0.5),
        # The 404 trigger's full words do not fit on the arrow.
        Edge(ANY_STATE, FAILED, f"{TRIGGER_FAILED}; stop answered 404", 0.5),
    ]
    return edges


EDGES = _edges()


def render_status_diagram(matrix: CoverageMatrix | None = None) -> str:
    """The SVG markup; with a matrix, transitions that no scenario covers are drawn dashed red."""
    uncovered = _uncovered_pairs(matrix)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-labelledby="status-diagram-title" class="status-diagram">',
        '<title id="status-diagram-title">Recording status state machine</title>',
        "<defs>",
        _marker("arrow", "#2f5d8a"),
        _marker("arrow-uncovered", "#b3261e"),
        "</defs>",
    ]
    for edge in EDGES:
        parts.append(_edge_markup(edge, _edge_uncovered(edge, uncovered)))
    for state, name in STATE_NAMES.items():
        parts.append(_node_markup(state, f"{state} {name}", "state"))
    parts.append(_node_markup(ANY_STATE, "any state", "any-state"))
    parts.append(
        f'<text x="{WIDTH - 10}" y="{HEIGHT - 10}" text-anchor="end" class="legend">'
        "dashed red: no scenario covers the transition</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _uncovered_pairs(matrix: CoverageMatrix | None) -> set[tuple[int, int]]:
    if matrix is None:
        return set()
    return {
        (source, row.transition.target)
        for row in matrix.uncovered_transitions
        for source in row.transition.sources
    }


def _edge_uncovered(edge: Edge, uncovered: set[tuple[int, int]]) -> bool:
    if edge.source == ANY_STATE:
        return any(target == edge.target for _, target in uncovered)
    return (edge.source, edge.target) in uncovered


def _marker(marker_id: str, colour: str) -> str:
    return (
        f'<marker id="{marker_id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>'
    )


def _node_markup(key: int | str, label: str, css_class: str) -> str:
    x, y = POSITIONS[key]
    left, top = x - NODE_WIDTH / 2, y - NODE_HEIGHT / 2
    dash = ' stroke-dasharray="6 4"' if key == ANY_STATE else ""
    return (
        f'<g class="{css_class}" data-state="{escape(str(key))}">'
        f'<rect x="{left:.0f}" y="{top:.0f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="12" ry="12"'
        f' fill="#eef3f8" stroke="#2f5d8a" stroke-width="2"{dash}/>'
        f'<text x="{x:.0f}" y="{y + 5:.0f}" text-anchor="middle" font-size="16">{escape(label)}</text></g>'
    )


def _edge_markup(edge: Edge, uncovered: bool) -> str:
    (x1, y1), (x2, y2) = _clip(POSITIONS[edge.source], POSITIONS[edge.target])
    colour = "#b3261e" if uncovered else "#2f5d8a"
    marker = "arrow-uncovered" if uncovered else "arrow"
    dash = ' stroke-dasharray="7 5"' if uncovered else ""
    label_x = x1 + (x2 - x1) * edge.label_at
    label_y = y1 + (y2 - y1) * edge.label_at - 8
    source = "any state" if edge.source == ANY_STATE else f"{edge.source} {STATE_NAMES[int(edge.source)]}"
    hover = f"{source} → {edge.target} {STATE_NAMES[edge.target]}: {edge.label}"
    css_class = "transition uncovered" if uncovered else "transition"
    return (
        f'<g class="{css_class}"><title>{escape(hover)}</title>'
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="2"'
        f'{dash} marker-end="url(#{marker})"/>'
        f'<text x="{label_x:.1f}" y="{label_y:.1f}" text-anchor="middle" font-size="13" fill="{colour}"'
        f' paint-order="stroke" stroke="#ffffff" stroke-width="4">{escape(edge.label)}</text></g>'
    )


def _clip(start: tuple[float, float], end: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    # Arrows run between the box borders, not the centres, so the arrow heads stay visible.
    return _border_point(start, end), _border_point(end, start)


def _border_point(centre: tuple[float, float], toward: tuple[float, float]) -> tuple[float, float]:
    dx, dy = toward[0] - centre[0], toward[1] - centre[1]
    if dx == 0 and dy == 0:
        return centre
    half_width, half_height = NODE_WIDTH / 2 + 2, NODE_HEIGHT / 2 + 2
    scale = min(
        half_width / abs(dx) if dx else math.inf,
        half_height / abs(dy) if dy else math.inf,
    )
    return centre[0] + dx * scale, centre[1] + dy * scale
