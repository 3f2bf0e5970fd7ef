"""A definition drawn for a web page: laid out by Graphviz `dot` when it is installed, else by
the engine's own SVG, and saying which.

`dot` runs as a subprocess (Debian's package graphviz; no Python binding needed) with a
timeout and caps on what goes in and comes out, so a huge or hostile definition cannot hold a
request. The same drawing is asked for by every view of a partnership in the same state, so
results are cached per Graphviz text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.diagram import page_dot
from ceop_workflow.engine.diagram_svg import svg as fallback_svg

# Where `dot` is, when not on PATH (tests point it at a missing file to see the fallback).
DOT_ENV = "CEOP_WORKFLOW_DOT"
TIMEOUT_SECONDS = 5.0
MAX_DOT_BYTES = 256 * 1024
MAX_SVG_BYTES = 4 * 1024 * 1024
_SVG_START = re.compile(r"<svg\b")


class LayoutUnavailable(Exception):
    """`dot` is missing, failed, took too long or drew too much; the message says which."""


@dataclass(frozen=True)
class Drawing:
    """An SVG for a page and what laid it out: "graphviz", or "fallback" with the reason."""

    svg: str
    engine: str
    note: str = ""

    @property
    def laid_out(self) -> bool:
        """Whether Graphviz laid it out."""
        return self.engine == "graphviz"


def dot_binary() -> str | None:
    """The `dot` program to run: $CEOP_WORKFLOW_DOT, else `dot` on PATH; None if neither."""
    named = os.environ.get(DOT_ENV, "").strip()
    if named:
        return named if os.access(named, os.X_OK) else None
    return shutil.which("dot")


def run_dot(source: str, binary: str, timeout: float = TIMEOUT_SECONDS) -> str:
    """Graphviz text → an SVG element to place in a page (no XML prolog), named for readers."""
    data = source.encode("utf-8")
    if len(data) > MAX_DOT_BYTES:
        raise LayoutUnavailable(f"the workflow is too large to lay out ({len(data)} bytes)")
    try:
        done = subprocess.run(  # a fixed program, its text on stdin, no shell
            [binary, "-Tsvg"], input=data, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise LayoutUnavailable(f"Graphviz took longer than {timeout:g} s") from None
    except OSError as exc:
        raise LayoutUnavailable(f"Graphviz could not run: {exc.strerror or exc}") from None
    if done.returncode != 0:
        first = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise LayoutUnavailable(f"Graphviz failed: {first[0] if first else done.returncode}")
    if len(done.stdout) > MAX_SVG_BYTES:
        raise LayoutUnavailable("Graphviz drew more than the page can hold")
    text = done.stdout.decode("utf-8", "replace")
    start = _SVG_START.search(text)
    if start is None:
        raise LayoutUnavailable("Graphviz drew no SVG")
    # Drawn at Graphviz's own size (points), never shrunk: a wide workflow scrolls sideways
    # rather than shrinking its labels below legibility. The words are in the page as text.
    return '<svg role="img" aria-label="Workflow diagram"' + text[start.end() :]


@lru_cache(maxsize=256)
def _laid_out(source: str, binary: str) -> str:
    return run_dot(source, binary)


def draw(
    definition: Definition,
    current: str | None = None,
    path: Iterable[str] = (),
    taken: Iterable[tuple[str, str, str]] = (),
    marks: Mapping[str, str] | None = None,
) -> Drawing:
    """The page's diagram, the current state and the path taken marked (and `marks`, see
    `page_dot`; the built-in layout leaves them out)."""
    path, taken = tuple(path), tuple(taken)
    binary = dot_binary()
    if binary is None:
        note = "Graphviz (dot) is not installed here, so a simpler built-in layout is shown."
    else:
        try:
            laid_out = _laid_out(page_dot(definition, current, path, taken, marks), binary)
            return Drawing(laid_out, "graphviz")
        except LayoutUnavailable as exc:
            note = f"{exc}, so a simpler built-in layout is shown."
    return Drawing(fallback_svg(definition, current, path), "fallback", note)
