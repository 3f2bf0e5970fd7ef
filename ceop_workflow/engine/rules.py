"""The strategy's rules as named guards, and the actions that record what a transition decided.

Guards return None when the rule holds, or the reason in words. Actions never touch the
database: they describe the change as an `Effect` that the service applies.
"""

from __future__ import annotations

from datetime import date

from ceop_workflow.engine.cadence import add_years
from ceop_workflow.engine.context import FireContext
from ceop_workflow.engine.registry import Registry
from ceop_workflow.engine.tiers import Tier

DEFAULT_REGISTRY = Registry()
guard = DEFAULT_REGISTRY.guard
action = DEFAULT_REGISTRY.action


def _tier(ctx: FireContext) -> Tier | None:
    value = ctx.data.get("tier")
    return Tier(value) if isinstance(value, str) else None


def _date(ctx: FireContext, key: str) -> date | None:
    value = ctx.data.get(key)
    return value if isinstance(value, date) else None


@guard("names_business_plan_objective")
def names_business_plan_objective(ctx: FireContext) -> str | None:
    """New partnerships must deliver one or more Business Plan objectives or targets (§2)."""
    if ctx.data.get("objectives"):
        return None
    return "the business case names no Business Plan objective or target"


@guard("not_core_policing")
def not_core_policing(ctx: FireContext) -> str | None:
    """Partnership activities exclude the areas of core policing functions (§2)."""
    if ctx.data.get("core_policing") is True:
        return "partnerships exclude core policing functions"
    return None


@guard("not_own_business_case")
def not_own_business_case(ctx: FireContext) -> str | None:
    """Nobody decides on a business case they wrote themselves."""
    case = ctx.business_case
    if case is None:
        return "there is no business case to decide on"
    if case.author.lower() == ctx.actor.lower():
        return f"{ctx.actor} wrote this business case and cannot decide on it"
    return None


@guard("tier_fits_partner")
def tier_fits_partner(ctx: FireContext) -> str | None:
    """Organisations take a level of commitment; individuals serve as Ambassadors (§2.3)."""
    tier = _tier(ctx)
    if tier is None:
        return "no tier given"
    if ctx.partnership.individual and not tier.for_individuals:
        return f"{ctx.partnership.partner} is an individual: Ambassador or Special Representative"
    if not ctx.partnership.individual and tier.for_individuals:
        return f"{ctx.partnership.partner} is an organisation and cannot be a {tier.label}"
    return None


@guard("tier_kind_fits_tier")
def tier_kind_fits_tier(ctx: FireContext) -> str | None:
    """A Partner is Specialist, Industry or Government; the other tiers have no kind."""
    tier, kind = _tier(ctx), ctx.data.get("kind")
    if tier is Tier.PARTNER and not kind:
        return "a Partner needs a kind: specialist, industry or government"
    if tier is not Tier.PARTNER and kind:
        return f"only a Partner has a kind; a {tier.label if tier else 'tier'} does not"
    return None


@guard("commitment_fits_tier")
def commitment_fits_tier(ctx: FireContext) -> str | None:
    """Strategic Partner: 3 years; Partner: at least 1 year; Contributor: no formal commitment."""
    tier, start, end = _tier(ctx), _date(ctx, "start"), _date(ctx, "end")
    if start is None:
        return "no start date given"
    if end is not None and end <= start:
        return f"the commitment ends ({end}) before it starts ({start})"
    if tier is Tier.STRATEGIC_PARTNER and (end is None or end < add_years(start, 3)):
        return f"a Strategic Partner commits for 3 years: end on or after {add_years(start, 3)}"
    if tier is Tier.PARTNER and (end is None or end < add_years(start, 1)):
        return f"a Partner commits for at least 1 year: end on or after {add_years(start, 1)}"
    if tier is Tier.CONTRIBUTOR and end is not None:
        return "a Contributor makes no formal commitment: give no end date"
    return None


@guard("contractor_cleared")
def contractor_cleared(ctx: FireContext) -> str | None:
    """A contractor goes beyond Contributor only with a conflict-of-interest clearance (§6)."""
    tier = _tier(ctx)
    if not ctx.partnership.contractor or tier in {None, Tier.CONTRIBUTOR}:
        return None
    if ctx.cleared_by_committee:
        return None
    return (
        f"{ctx.partnership.partner} is a contractor: beyond Contributor it needs a "
        "conflict-of-interest clearance recorded in the committee's decision"
    )


@action("record_business_case", needs={"title": "text"})
def record_business_case(ctx: FireContext) -> None:
    """Keep the Brief Business Case and turn its objectives into the partnership's objectives."""
    ctx.effect(
        "business_case",
        title=ctx.data["title"],
        objectives=ctx.data.get("objectives", []),
        core_policing=bool(ctx.data.get("core_policing", False)),
        benefits=ctx.data.get("benefits"),
        resources=ctx.data.get("resources"),
        proposed_tier=ctx.data.get("proposed_tier"),
        author=ctx.actor,
    )


@action("record_decision")
def record_decision(ctx: FireContext) -> None:
    """Keep a committee decision (defer, reject) with its reason."""
    ctx.effect(
        "decision",
        decision=ctx.trigger,
        conflict_of_interest_cleared=bool(ctx.data.get("conflict_of_interest_cleared", False)),
        note=ctx.data.get("reason") or ctx.data.get("minutes"),
    )


@action("set_tier", needs={"tier": "tier", "start": "date"})
def set_tier(ctx: FireContext) -> None:
    """Record the level of commitment and its term on the partnership."""
    ctx.effect(
        "partnership",
        tier=ctx.data["tier"],
        tier_kind=ctx.data.get("kind"),
        commitment_start=ctx.data["start"],
        commitment_end=ctx.data.get("end"),
        tier_assigned_on=ctx.today,
    )
