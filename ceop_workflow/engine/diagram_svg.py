"""A self-contained SVG drawing of a definition, laid out in columns by distance from the start.

No graphviz and no script: it renders in any browser and in an email client that shows SVG.
The current state is marked by a thick border and the word "now", so it reads without colour.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from ceop_workflow.engine.definitions import Definition

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 150, 44, 130, 40, 24


def _columns(definition: Definition) -> dict[str, int]:
    # Longest path from the start over forward edges (back edges found by a depth-first walk
    # are left out), so final states sit to the right of everything that leads to them.
    forward: dict[str, list[str]] = {s: [] for s in definition.states}
    on_path: set[str] = set()
    done: set[str] = set()

    def walk(state: str) -> None:
        on_path.add(state)
        for t in definition.transitions_from(state):
            if t.dest in on_path:
                continue
            forward[state].append(t.dest)
            if t.dest not in done:
                walk(t.dest)
        on_path.discard(state)
        done.add(state)

    walk(definition.initial)
    column = dict.fromkeys(definition.states, 0)
    for state in reversed(_topological(forward, definition.initial)):
        for dest in forward[state]:
            column[dest] = max(column[dest], column[state] + 1)
    return column


def _topological(forward: dict[str, list[str]], start: str) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()

    def visit(state: str) -> None:
        seen.add(state)
        for dest in forward[state]:
            if dest not in seen:
                visit(dest)
        order.append(state)

    visit(start)
    return order


def _deepest_bend(definition: Definition, column: dict[str, int]) -> int:
    spans = [column[t.dest] - column[s] for t in definition.transitions for s in t.sources]
    return max(1, *spans) * (BOX_H + GAP_Y) // 3


def svg(definition: Definition, current: str | None = None, path: Iterable[str] = ()) -> str:
    """The workflow as an inline SVG document with a title and a text description."""
    column = _columns(definition)
    rows: dict[int, int] = {}
    position: dict[str, tuple[int, int]] = {}
    for state in definition.states:
        row = rows.get(column[state], 0)
        rows[column[state]] = row + 1
        position[state] = (
            MARGIN + column[state] * (BOX_W + GAP_X),
            MARGIN + row * (BOX_H + GAP_Y),
        )
    width = MARGIN * 2 + (max(column.values()) + 1) * (BOX_W + GAP_X) - GAP_X
    height = MARGIN * 2 + max(rows.values()) * (BOX_H + GAP_Y) + _deepest_bend(definition, column)
    visited = set(path)
    title = f"{definition.name} workflow, version {definition.version}"
    description = "; ".join(
        f"{t.trigger}: {' or '.join(t.sources)} to {t.dest}" for t in definition.transitions
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#444"/></marker></defs>',
    ]
    parts += _edges(definition, position)
    for state, (x, y) in position.items():
        parts.append(
            _box(state, x, y, state == current, state in visited, definition.states[state].terminal)
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _edges(definition: Definition, position: dict[str, tuple[int, int]]) -> list[str]:
    parts: list[str] = []
    for t in definition.transitions:
        for source in t.sources:
            (x1, y1), (x2, y2) = position[source], position[t.dest]
            forward = x2 > x1
            start = (x1 + BOX_W, y1 + BOX_H // 2) if forward else (x1, y1 + BOX_H // 2 + 8)
            end = (x2, y2 + BOX_H // 2) if forward else (x2 + BOX_W, y2 + BOX_H // 2 + 8)
            span = abs(x2 - x1) // (BOX_W + GAP_X)
            # Long edges bow away from the row so they do not run through the boxes between.
            bend = (span - 1) * (BOX_H + GAP_Y) * 2 // 3 if forward else BOX_H + 10
            middle = ((start[0] + end[0]) // 2, (start[1] + end[1]) // 2 + bend)
            parts.append(
                f'<path d="M{start[0]},{start[1]} Q{middle[0]},{middle[1]} {end[0]},{end[1]}" '
                'fill="none" stroke="#444" marker-end="url(#arrow)"/>'
            )
            # The label sits on the curve's own midpoint (halfway to the control point).
            label_x = middle[0]
            label_y = (start[1] + end[1] + 2 * middle[1]) // 4 - 4
            parts.append(
                f'<text x="{label_x}" y="{label_y}" text-anchor="middle" fill="#222">'
                f"{escape(t.trigger)}</text>"
            )
    return parts


def _box(state: str, x: int, y: int, current: bool, visited: bool, terminal: bool) -> str:
    stroke = 4 if current else 1.5
    dash = ' stroke-dasharray="5,3"' if visited and not current else ""
    fill = "#ffdd66" if current else ("#e4e8f4" if visited else "#ffffff")
    label = f"{state} (now)" if current else state
    rim = (
        f'<rect x="{x + 3}" y="{y + 3}" width="{BOX_W - 6}" height="{BOX_H - 6}" rx="6" '
        'fill="none" stroke="#222"/>'
        if terminal
        else ""
    )
    return (
        f'<g class="state{" current" if current else ""}">'
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="{fill}" '
        f'stroke="#222" stroke-width="{stroke}"{dash}/>{rim}'
        f'<text x="{x + BOX_W // 2}" y="{y + BOX_H // 2 + 4}" text-anchor="middle" '
        f'font-weight="{"bold" if current else "normal"}">{escape(label)}</text></g>'
    )
