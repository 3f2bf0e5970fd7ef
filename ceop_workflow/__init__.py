"""ceop-workflow: the lifecycle of partnerships, as the CEOP Partnership Strategy describes it."""

from __future__ import annotations

__version__ = "0.1.0"
