"""Read-only use cases about partners: the list of them, and one partner's whole story.

A partner (an organisation or an individual) may have several partnerships over the years; its
page shows them all with the contacts and contributions of each, newest first. Results are
frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from ceop_workflow.app.service import Service
from ceop_workflow.engine.tiers import tier_label
from ceop_workflow.errors import NotFound
from ceop_workflow.store.models import Contact, Contribution, Partner, Partnership

CONTACTS_SHOWN = 100


@dataclass(frozen=True)
class PartnerRow:
    """One partner in the list: what it is and how many partnerships it has."""

    id: int
    name: str
    individual: bool
    contractor: bool
    partnerships: int
    running: int

    @property
    def kind(self) -> str:
        """ "individual" or "organisation"."""
        return "individual" if self.individual else "organisation"


@dataclass(frozen=True)
class PartnershipLine:
    """One of the partner's partnerships."""

    id: int
    state: str
    tier_label: str | None
    keyworker: str
    workflow: str
    commitment_start: date | None
    commitment_end: date | None
    running: bool


@dataclass(frozen=True)
class ContactLine:
    """A contact logged with the partner, under one of its partnerships."""

    partnership_id: int
    kind: str
    by: str
    at: datetime
    note: str | None


@dataclass(frozen=True)
class ContributionLine:
    """Funding or resource the partner gave, under one of its partnerships."""

    partnership_id: int
    kind: str
    gbp: Decimal
    received_on: date
    note: str | None


@dataclass(frozen=True)
class PartnerPage:
    """Everything about one partner: its partnerships, contacts and contributions."""

    id: int
    name: str
    individual: bool
    contractor: bool
    created_at: datetime
    partnerships: tuple[PartnershipLine, ...]
    contacts: tuple[ContactLine, ...]
    contributions: tuple[ContributionLine, ...]

    @property
    def total_gbp(self) -> Decimal:
        """Everything the partner contributed, funding and in kind."""
        return sum((c.gbp for c in self.contributions), Decimal(0))


class Partners:
    """Reads about partners, through the service's database."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def list(self) -> tuple[PartnerRow, ...]:
        """Every partner by name, with its partnerships counted (running ones apart)."""
        rows: dict[int, list[int]] = {}
        with self.service.db.reading() as session:
            partners = list(session.scalars(select(Partner).order_by(func.lower(Partner.name))))
            for p in session.execute(
                select(
                    Partnership.partner_id,
                    Partnership.workflow,
                    Partnership.workflow_version,
                    Partnership.state,
                )
            ):
                definition = self.service.catalog.machine(
                    session, p.workflow, p.workflow_version
                ).definition
                counts = rows.setdefault(p.partner_id, [0, 0])
                counts[0] += 1
                counts[1] += 0 if definition.states[p.state].terminal else 1
            return tuple(
                PartnerRow(p.id, p.name, p.individual, p.contractor, *rows.get(p.id, [0, 0]))
                for p in partners
            )

    def page(self, partner_id: int) -> PartnerPage:
        """One partner's partnerships, contacts and contributions, newest first."""
        with self.service.db.reading() as session:
            partner = session.get(Partner, partner_id)
            if partner is None:
                raise NotFound(f"no partner with id {partner_id}")
            lines = []
            for p in sorted(partner.partnerships, key=lambda p: p.id, reverse=True):
                definition = self.service.catalog.machine(
                    session, p.workflow, p.workflow_version
                ).definition
                lines.append(
                    PartnershipLine(
                        p.id,
                        p.state,
                        tier_label(p.tier, p.tier_kind),
                        p.keyworker,
                        p.workflow,
                        p.commitment_start,
                        p.commitment_end,
                        not definition.states[p.state].terminal,
                    )
                )
            ids = [line.id for line in lines]
            contacts = session.scalars(
                select(Contact)
                .where(Contact.partnership_id.in_(ids))
                .order_by(Contact.at.desc(), Contact.id.desc())
                .limit(CONTACTS_SHOWN)
            )
            contributions = session.scalars(
                select(Contribution)
                .where(Contribution.partnership_id.in_(ids))
                .order_by(Contribution.received_on.desc(), Contribution.id.desc())
            )
            return PartnerPage(
                id=partner.id,
                name=partner.name,
                individual=partner.individual,
                contractor=partner.contractor,
                created_at=partner.created_at,
                partnerships=tuple(lines),
                contacts=tuple(
                    ContactLine(c.partnership_id, c.kind, c.by, c.at, c.note) for c in contacts
                ),
                contributions=tuple(
                    ContributionLine(c.partnership_id, c.kind, c.value_gbp, c.received_on, c.note)
                    for c in contributions
                ),
            )
