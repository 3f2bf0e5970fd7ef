"""What the duties of one batch read about their partnerships, read for the whole batch at once.

A duty reminding of a review asks which periods were reviewed already and what the
partnership's objectives are: two queries per duty, most of a duty's time on a busy first
working day. A batch reads both for all its partnerships in one query each, under the locks it
holds on them, and its duties are served from that.

The answers are those of the per-duty readers (`plans.reviewed_periods`,
`context.objectives_of`): a partnership that an earlier duty of the batch touched (it may have
fired a trigger whose actions wrote), and a period older than what was read, are asked of the
database again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceop_workflow.notify.context import objectives_of, objectives_of_many
from ceop_workflow.scheduling.plans import reviewed_periods
from ceop_workflow.store.models import Partnership, Review

# Years of reviews read before the oldest period a batch's rows name: enough for a catch-up
# (a year at most) and a short run of missed reviews looked back on before escalating.
_YEARS_BACK = 1


@dataclass
class BatchReads:
    """Reviews and objectives of a batch's partnerships, as they were when the batch began."""

    since_year: str
    reviews: dict[tuple[int, str], set[str]]
    objectives: dict[int, list[str]]
    touched: set[int] = field(default_factory=set)

    @classmethod
    def fetch(
        cls, session: Session, partnership_ids: Sequence[int], periods: Iterable[str]
    ) -> BatchReads:
        """Read for `partnership_ids` the reviews of `periods` (period keys) and later ones."""
        years = [int(key[:4]) for key in periods if key[:4].isdigit()]
        since_year = f"{min(years) - _YEARS_BACK:04d}" if years else "9999"
        reviews: dict[tuple[int, str], set[str]] = {}
        if years:
            # A key starts with its year ("2008", "2008-04"): a text comparison on it keeps
            # every period of that year and the later ones.
            for pid, kind, period in session.execute(
                select(Review.partnership_id, Review.kind, Review.period).where(
                    Review.partnership_id.in_(list(partnership_ids)),
                    Review.period >= since_year,
                )
            ):
                if period is not None:
                    reviews.setdefault((pid, kind), set()).add(period)
        return cls(since_year, reviews, objectives_of_many(session, partnership_ids))

    def reviewed(
        self, session: Session, partnership_id: int, kind: str, periods: Sequence[str]
    ) -> set[str]:
        """`plans.reviewed_periods`, from what was read when it covers the question."""
        if partnership_id in self.touched or any(p[:4] < self.since_year for p in periods):
            return reviewed_periods(session, partnership_id, kind, periods)
        found = self.reviews.get((partnership_id, kind), set())
        return {p for p in periods if p in found}

    def objectives_of(self, session: Session, p: Partnership) -> list[str]:
        """`context.objectives_of`, from what was read when it covers the partnership."""
        if p.id in self.touched or p.id not in self.objectives:
            return objectives_of(session, p)
        return list(self.objectives[p.id])
