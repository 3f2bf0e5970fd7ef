"""The strategy's levels of commitment, and the words people use for them."""

from __future__ import annotations

import re
from enum import StrEnum

from ceop_workflow.errors import BadInput


class Tier(StrEnum):
    """A level of commitment (strategy §2.3), plus the individual roles."""

    STRATEGIC_PARTNER = "strategic_partner"
    PARTNER = "partner"
    ASSOCIATE = "associate"
    CONTRIBUTOR = "contributor"
    AMBASSADOR = "ambassador"
    SPECIAL_REPRESENTATIVE = "special_representative"

    @property
    def label(self) -> str:
        """The tier as the strategy writes it."""
        return self.value.replace("_", " ").title()

    @property
    def for_individuals(self) -> bool:
        """Individuals serve as Ambassadors or Special Representatives, never as tiers."""
        return self in {Tier.AMBASSADOR, Tier.SPECIAL_REPRESENTATIVE}


class TierKind(StrEnum):
    """The kinds of Partner."""

    SPECIALIST = "specialist"
    INDUSTRY = "industry"
    GOVERNMENT = "government"


# Ranks for "moving up the levels of commitment", the strategy's aim.
TIER_RANK = {
    Tier.CONTRIBUTOR: 1,
    Tier.ASSOCIATE: 2,
    Tier.PARTNER: 3,
    Tier.STRATEGIC_PARTNER: 4,
    Tier.AMBASSADOR: 0,
    Tier.SPECIAL_REPRESENTATIVE: 0,
}


def _slug(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def parse_tier(text: str) -> Tier:
    """'Strategic Partner', 'strategic-partner' and 'strategic_partner' are all one tier."""
    try:
        return Tier(_slug(text))
    except ValueError:
        raise BadInput(
            f"unknown tier {text!r}; tiers: {', '.join(t.label for t in Tier)}"
        ) from None


def parse_tier_kind(text: str) -> TierKind:
    """'Specialist', 'Industry' or 'Government', in any case."""
    try:
        return TierKind(_slug(text))
    except ValueError:
        raise BadInput(
            f"unknown kind of Partner {text!r}; kinds: {', '.join(k.value for k in TierKind)}"
        ) from None


def tier_label(tier: str | None, kind: str | None = None) -> str:
    """'Partner (Industry)', 'Strategic Partner', or '' for no tier."""
    if not tier:
        return ""
    label = Tier(tier).label
    return f"{label} ({TierKind(kind).value.title()})" if kind else label
