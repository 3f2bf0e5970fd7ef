"""The form for each trigger, built from the data its transition requires; and back again.

Only the shape of the form is decided here; the values are checked by the engine's
`parse_data`, so what the form accepts and what the CLI accepts cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ceop_workflow.engine.definitions import TransitionDef
from ceop_workflow.engine.tiers import Tier, TierKind

DATA_PREFIX = "data."
_INPUTS = {"int": "number", "date": "date", "email": "email"}
_HINTS = {
    "list": "One per line.",
    "gbp": "In pounds, such as 25000 or 1,250.50.",
    "date": "As YYYY-MM-DD.",
}


@dataclass(frozen=True)
class Field:
    """One labelled control of a trigger's form."""

    name: str
    label: str
    control: str  # input, textarea or select
    input_type: str
    required: bool
    choices: tuple[tuple[str, str], ...]
    hint: str

    @property
    def form_name(self) -> str:
        """The control's name in the posted form."""
        return DATA_PREFIX + self.name


def _choices(kind: str) -> tuple[tuple[str, str], ...]:
    if kind == "bool":
        return (("true", "Yes"), ("false", "No"))
    if kind == "tier":
        return tuple((t.value, t.label) for t in Tier)
    if kind == "tier_kind":
        return tuple((k.value, k.value.title()) for k in TierKind)
    return ()


def field_for(name: str, kind: str, required: bool) -> Field:
    """The control for one piece of data of a given type."""
    choices = _choices(kind)
    if choices:
        control = "select"
    elif kind == "list" or (kind == "text" and name in {"reason", "minutes", "resolution"}):
        control = "textarea"
    else:
        control = "input"
    return Field(
        name=name,
        label=name.replace("_", " ").capitalize(),
        control=control,
        input_type=_INPUTS.get(kind, "text"),
        required=required,
        choices=choices,
        hint=_HINTS.get(kind, ""),
    )


def fields_for(transition: TransitionDef) -> list[Field]:
    """Required fields first, then optional ones, each in definition order."""
    return [field_for(n, k, True) for n, k in transition.requires.items()] + [
        field_for(n, k, False) for n, k in transition.optional.items()
    ]


def data_from_form(
    form: Sequence[tuple[str, str]], transition: TransitionDef | None
) -> dict[str, list[str]]:
    """The `data.*` controls of a posted form as the service takes them; blanks are omitted.

    The lines of a list field's text area become its items; anything else is passed on as
    given, so the engine reports unknown or repeated data itself.
    """
    declared: Mapping[str, str] = (
        {**transition.optional, **transition.requires} if transition else {}
    )
    data: dict[str, list[str]] = {}
    for key, value in form:
        if not key.startswith(DATA_PREFIX) or not value.strip():
            continue
        name = key.removeprefix(DATA_PREFIX)
        if declared.get(name) == "list":
            values = [line.strip() for line in value.splitlines() if line.strip()]
        else:
            values = [value.strip()]
        data.setdefault(name, []).extend(values)
    return data
