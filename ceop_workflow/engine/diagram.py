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
