"""`python -m ceop_workflow` runs the command line."""

from __future__ import annotations

from ceop_workflow.cli import main

main()
