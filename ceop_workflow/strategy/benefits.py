"""Benefits by level (strategy section 2.3): what each level of commitment promises the partner
(`[strategy] benefits_<tier>` in config.toml), whether the annual review found each delivered,
and the gaps the committee sees: promised benefits not delivered, or not yet recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ceop_workflow.config import Settings
from ceop_workflow.errors import BadInput
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Partnership, Review

DELIVERED, NOT_DELIVERED = "delivered", "not_delivered"


def check_benefits(
    settings: Settings, p: Partnership, kind: str, given: Mapping[str, str]
) -> dict[str, bool] | None:
    """The benefits part of a review, checked: names the tier promises, delivered or not.

    Only annual reviews record benefits; None when none were given.
    """
    if not given:
        return None
    if kind != "annual":
        raise BadInput("--benefit: benefits are recorded at the annual review")
    promised = settings.strategy.benefits_for(p.tier)
    unknown = sorted(set(given) - set(promised))
    if unknown:
        raise BadInput(
            f"--benefit {unknown[0]!r}: not a benefit of the tier {p.tier or 'none'}; "
            f"its benefits: {', '.join(promised) or 'none'}"
        )
    out: dict[str, bool] = {}
    for name, value in given.items():
        word = value.strip().lower().replace("-", "_")
        if word not in {DELIVERED, NOT_DELIVERED}:
            raise BadInput(
                f"--benefit {name!r}: expected delivered or not_delivered, got {value!r}"
            )
        out[name] = word == DELIVERED
    return out


@dataclass(frozen=True, slots=True)
class BenefitGap:
    """A benefit the tier promises that the latest annual review did not find delivered."""

    benefit: str
    status: str


@dataclass(frozen=True, slots=True)
class PartnershipGaps:
    """A partnership with benefits its tier promises and its last annual review lacks."""

    partnership: int
    partner: str
    tier: str | None
    state: str
    last_annual_review: str | None
    gaps: tuple[BenefitGap, ...]


def benefit_gaps(settings: Settings, database: Database) -> list[PartnershipGaps]:
    """Per partnership holding a tier that promises benefits: those its latest annual review did
    not find delivered ("not delivered") or did not record ("not recorded"); only those with gaps.
    """
    gaps: list[PartnershipGaps] = []
    with database.reading() as session:
        partnerships = session.scalars(
            select(Partnership)
            .options(joinedload(Partnership.partner))
            .where(Partnership.tier.is_not(None))
            .order_by(Partnership.id)
        ).all()
        for p in partnerships:
            promised = settings.strategy.benefits_for(p.tier)
            if not promised or p.commitment_start is None:
                continue
            review = session.scalars(
                select(Review)
                .filter_by(partnership_id=p.id, kind="annual")
                .order_by(Review.at.desc(), Review.id.desc())
                .limit(1)
            ).first()
            found = (review.benefits or {}) if review is not None else {}
            missing = tuple(
                BenefitGap(b, "not delivered" if b in found else "not recorded")
                for b in promised
                if not found.get(b)
            )
            if missing:
                gaps.append(
                    PartnershipGaps(
                        partnership=p.id,
                        partner=p.partner.name,
                        tier=p.tier,
                        state=p.state,
                        last_annual_review=review.at.isoformat() if review else None,
                        gaps=missing,
                    )
                )
    return gaps
