"""Print the commands of the README's Quick start, one per line, for .ci/run to run verbatim.

The Quick start is the first fenced `sh` block after the `## Quick start` heading. Reading it
from the README (instead of copying it into the CI script) keeps what users are told and what
CI proves the same text.
"""

from __future__ import annotations

import sys
from pathlib import Path


def quick_start_commands(readme: str) -> list[str]:
    """The non-blank, non-comment lines of the first ```sh block under ## Quick start."""
    lines = readme.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "## Quick start")
        fence = next(i for i in range(start, len(lines)) if lines[i].strip() == "```sh")
        end = next(i for i in range(fence + 1, len(lines)) if lines[i].strip() == "```")
    except StopIteration:
        message = "quick_start: README.md has no ```sh block under '## Quick start'"
        raise SystemExit(message) from None
    block = lines[fence + 1 : end]
    return [line.strip() for line in block if line.strip() and not line.lstrip().startswith("#")]


if __name__ == "__main__":
    for command in quick_start_commands(Path(sys.argv[1]).read_text(encoding="utf-8")):
        print(command)
