"""Scenario tests on texts rather than files: what the admin's workflow desk runs.

The texts are written to a throw-away folder and run exactly as `workflows test` runs files,
the scenario on the given definition whatever its `scenario.definition` names. Problems name
"scenario" or "definition" rather than the throw-away folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ceop_workflow.config import Settings
from ceop_workflow.engine.definitions import MAX_SOURCE_BYTES
from ceop_workflow.errors import DefinitionError
from ceop_workflow.scenarios.runner import ScenarioResult, run_scenario
from ceop_workflow.scenarios.spec import load_scenario

SCENARIO, DEFINITION = "scenario.toml", "definition.toml"


def shipped_scenario(settings: Settings, workflow: str) -> str | None:
    """The text of the workflows folder's `scenarios/<workflow>.toml`, if there is one."""
    path = settings.workflows_path / "scenarios" / f"{workflow}.toml"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def run_texts(settings: Settings, definition: str, scenario: str) -> ScenarioResult:
    """Run the scenario text on the definition text; `DefinitionError` if either has problems."""
    if len(scenario) > MAX_SOURCE_BYTES:
        raise DefinitionError([f"{SCENARIO}: larger than {MAX_SOURCE_BYTES} bytes"])
    with tempfile.TemporaryDirectory(prefix="ceop-desk-") as folder:
        root = Path(folder)
        scenario_path, definition_path = root / SCENARIO, root / DEFINITION
        scenario_path.write_text(scenario, encoding="utf-8")
        definition_path.write_text(definition, encoding="utf-8")
        try:
            loaded = load_scenario(scenario_path, settings.tz, definition_path)
            return run_scenario(settings, loaded)
        except DefinitionError as exc:
            # Named as the admin knows them, not by the throw-away folder.
            raise DefinitionError([p.replace(f"{root}/", "") for p in exc.problems]) from None
