"""Diagrams of a definition, drawn from the definition itself (no graphviz, no model needed)."""

from __future__ import annotations

from collections.abc import Iterable

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
