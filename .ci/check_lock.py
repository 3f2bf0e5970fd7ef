"""Fail when the active environment holds a distribution the lock does not pin at that version.

constraints.txt pins every package the README's two commands install (pip's `-c`). A package
that a new dependency pulls in, or a pin that pip could not honour, would make a fresh machine
differ from the one CI proved; this check makes CI say so instead of floating silently.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

# Tools of the environment itself, not of the project.
IGNORED = {"pip", "setuptools", "wheel", "ceop-workflow"}


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    """name -> version for every `name==version` line of the lock."""
    found: dict[str, str] = {}
    for raw in lock.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep:
            raise SystemExit(f"check_lock: {lock}: '{raw}' is not a name==version pin")
        found[canonical(name.split("[")[0])] = version.split(";")[0].strip()
    return found


def main(lock_path: str) -> int:
    """Compare the installed distributions with the lock; print one line per mismatch."""
    locked = pins(Path(lock_path))
    problems = []
    for dist in metadata.distributions():
        name = canonical(dist.metadata["Name"])
        if name in IGNORED:
            continue
        if name not in locked:
            problems.append(f"{name} {dist.version} is installed but not pinned in {lock_path}")
        elif locked[name] != dist.version:
            pinned = locked[name]
            problems.append(f"{name} {dist.version} is installed but {lock_path} pins {pinned}")
    for problem in sorted(problems):
        print(f"check_lock: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
