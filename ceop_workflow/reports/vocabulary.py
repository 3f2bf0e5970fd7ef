"""The strategy's words the report speaks: levels of commitment, kinds of partner, reviews."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    """A level of commitment (strategy 2.3), most committed first."""

    STRATEGIC = "strategic"
    PARTNER = "partner"
    ASSOCIATE = "associate"
    CONTRIBUTOR = "contributor"
    AMBASSADOR = "ambassador"

    @property
    def label(self) -> str:
        """The strategy's own name for the tier."""
        return _TIER_LABELS[self]

    @property
    def rank(self) -> int:
        """1 for Strategic Partner, growing as commitment falls; organisations aim to go down."""
        return list(Tier).index(self) + 1


_TIER_LABELS = {
    Tier.STRATEGIC: "Strategic Partner",
    Tier.PARTNER: "Partner",
    Tier.ASSOCIATE: "Associate",
    Tier.CONTRIBUTOR: "Contributor",
    Tier.AMBASSADOR: "Ambassador / Special Representative",
}


class PartnerKind(StrEnum):
    """The three kinds of the Partner tier."""

    SPECIALIST = "specialist"
    INDUSTRY = "industry"
    GOVERNMENT = "government"

    @property
    def label(self) -> str:
        """The kind's name as the strategy writes it."""
        return self.value.capitalize()


class ReviewKind(StrEnum):
    """Monthly reviews by the Partnerships Team; annual reviews by the Partnership Committee."""

    MONTHLY = "monthly"
    ANNUAL = "annual"
