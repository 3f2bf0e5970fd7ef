"""Diagrams of a definition, drawn from the definition itself (no graphviz, no model needed).

`dot` writes the Graphviz text the CLI prints; `page_dot` writes the one laid out for a web page
(top to bottom, so it fits a page's width; the current state and the path taken marked).
Names in a definition are checked identifiers (`[a-z][a-z0-9_]*`), so they need no quoting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ceop_workflow.engine.definitions import Definition


def mermaid(definition: Definition, current: str | None = None, path: Iterable[str] = ()) -> str:
    """A Mermaid `stateDiagram-v2`; `current` and the states of `path` are highlighted."""
    lines = ["stateDiagram-v2", f"    %% {definition.name} v{definition.version}"]
    lines.append(f"    [*] --> {definition.initial}")
    for t in definition.transitions:
        for source in t.sources:
            lines.append(f"    {source} --> {t.dest}: {t.trigger}")
    for state in definition.states.values():
        if state.terminal:
            lines.append(f"    {state.name} --> [*]")
    visited = [s for s in path if s in definition.states and s != current]
    if visited:
        lines.append("    classDef visited fill:#dde,stroke:#446")
        lines.append(f"    class {','.join(dict.fromkeys(visited))} visited")
    if current in definition.states:
        lines.append("    classDef current fill:#fd6,stroke:#a60,stroke-width:3px")
        lines.append(f"    class {current} current")
    return "\n".join(lines)


def dot(definition: Definition, current: str | None = None, path: Iterable[str] = ()) -> str:
    """A Graphviz `digraph`; `current` is drawn bold, the states of `path` dashed."""
    visited = set(path)
    lines = [f'digraph "{definition.name}_v{definition.version}" {{', "  rankdir=LR;"]
    lines.append('  node [shape=box, style=rounded, fontname="Helvetica"];')
    lines.append('  __start [shape=point, label=""];')
    lines.append(f"  __start -> {definition.initial};")
    for state in definition.states.values():
        attributes = ["peripheries=2"] if state.terminal else []
        if state.name == current:
            attributes += ["penwidth=3", 'style="rounded,bold,filled"', 'fillcolor="#ffdd66"']
        elif state.name in visited:
            attributes.append('style="rounded,dashed"')
        lines.append(
            f"  {state.name} [{', '.join(attributes)}];" if attributes else f"  {state.name};"
        )
    for t in definition.transitions:
        for source in t.sources:
            lines.append(f'  {source} -> {t.dest} [label="{t.trigger}"];')
    lines.append("}")
    return "\n".join(lines)


# Colours with at least 4.5:1 contrast on white, and never the only sign: the current state
# also says "(now)" and the path taken is drawn with thicker lines.
_NOW_FILL, _PATH, _MARK = "#ffdd66", "#1f4e8c", "#1d6b30"
PAGE_FONT_PT = 14


def page_dot(
    definition: Definition,
    current: str | None = None,
    path: Iterable[str] = (),
    taken: Iterable[tuple[str, str, str]] = (),
    marks: Mapping[str, str] | None = None,
) -> str:
    """Graphviz text for a web page: top to bottom; `current` filled and labelled "(now)",
    the states of `path` and the edges `taken` (source, trigger, dest) drawn in bold blue.

    `marks` names states and edges (`trigger@source`) with a word ("new", "changed") that is
    added to their label, and draws them dashed in green: what a new version changes.
    """
    visited = set(path)
    walked = set(taken)
    marks = marks or {}
    font = f'fontname="Helvetica", fontsize={PAGE_FONT_PT}'
    lines = [
        f'digraph "{definition.name}_v{definition.version}" {{',
        "  rankdir=TB; nodesep=0.35; ranksep=0.45; pad=0.1;",
        f'  node [shape=box, style=rounded, {font}, margin="0.15,0.06"];',
        f'  edge [{font}, color="#444444", fontcolor="#222222", arrowsize=0.8];',
        '  __start [shape=point, label="", width=0.12];',
        f"  __start -> {definition.initial};",
    ]
    for state in definition.states.values():
        attributes = ["peripheries=2"] if state.terminal else []
        if state.name == current:
            attributes += [
                f'label="{state.name} (now)"',
                "penwidth=3",
                'style="rounded,bold,filled"',
                f'fillcolor="{_NOW_FILL}"',
            ]
        elif state.name in visited:
            attributes += [f'color="{_PATH}"', "penwidth=2"]
        if state.name in marks:
            attributes += [
                f'label="{state.name} ({marks[state.name]})"',
                f'color="{_MARK}"',
                f'fontcolor="{_MARK}"',
                'style="rounded,dashed,bold"',
            ]
        lines.append(f"  {state.name} [{', '.join(attributes)}];")
    for t in definition.transitions:
        for source in t.sources:
            mark = marks.get(f"{t.trigger}@{source}")
            edge = [f'label=" {t.trigger} ({mark}) "' if mark else f'label=" {t.trigger} "']
            if (source, t.trigger, t.dest) in walked:
                edge += [f'color="{_PATH}"', f'fontcolor="{_PATH}"', "penwidth=2.5"]
            elif mark:
                edge += [f'color="{_MARK}"', f'fontcolor="{_MARK}"', 'style="dashed,bold"']
            lines.append(f"  {source} -> {t.dest} [{', '.join(edge)}];")
    lines.append("}")
    return "\n".join(lines)
